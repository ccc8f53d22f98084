import { describe, expect, it } from "vitest";
import { appPath, matchPath } from "./router";

describe("routing", () => {
  it("takes the path under /app without trailing slashes", () => {
    expect(appPath("/app/")).toBe("/");
    expect(appPath("/app/meetings/3/")).toBe("/meetings/3");
  });
  it("matches parameters one segment each", () => {
    expect(matchPath("/meetings/:id", "/meetings/12")).toEqual({ id: "12" });
    expect(matchPath("/meetings/:id", "/meetings/12/attendance")).toBeNull();
    expect(matchPath("/people", "/classes")).toBeNull();
  });
});
