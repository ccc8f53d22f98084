import { describe, expect, it } from "vitest";
import type { VNode } from "preact";
import { Marked } from "./Marked";

describe("marked text", () => {
  it("is text, matches inside <mark>, never markup", () => {
    const parts = [
      { text: "before <b>", match: false },
      { text: "light", match: true },
      { text: "<img src=x onerror=alert(1)>", match: false },
    ];
    const children = (Marked({ parts }) as VNode<{ children: unknown[] }>).props.children;
    expect(children[0]).toBe("before <b>");
    const mark = children[1] as VNode<{ children: string }>;
    expect(mark.type).toBe("mark");
    expect(mark.props.children).toBe("light");
    expect(children[2]).toBe("<img src=x onerror=alert(1)>");
  });
});
