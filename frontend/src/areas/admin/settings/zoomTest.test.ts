import { describe, expect, it } from "vitest";
import { outcomeOf, secretState, zoomAnswer } from "./zoomTest";

describe("a Zoom connection test", () => {
  it("maps an unknown outcome to a general error", () => {
    expect(outcomeOf("bad_credentials")).toBe("bad_credentials");
    expect(outcomeOf("something_new")).toBe("error");
  });

  it("shows what Zoom answered, when it answered", () => {
    expect(zoomAnswer(401, "invalid_client")).toBe("HTTP 401 · invalid_client");
    expect(zoomAnswer(400, "")).toBe("HTTP 400");
    expect(zoomAnswer(null, "")).toBe("");
  });
});

describe("a write-only secret's hint", () => {
  it("says whether it is saved, and its last characters if shown", () => {
    expect(secretState("not set")).toEqual({ saved: false, tail: "" });
    expect(secretState("set")).toEqual({ saved: true, tail: "" });
    expect(secretState("set, ending …cret")).toEqual({ saved: true, tail: "cret" });
  });
});
