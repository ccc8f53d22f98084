import { describe, expect, it } from "vitest";
import { chooseLanguage } from "./language";

describe("chooseLanguage", () => {
  it("takes the person's own language first", () => {
    expect(chooseLanguage("bn", ["en-GB"], "en")).toBe("bn");
  });
  it("falls back to the first browser language we speak, region ignored", () => {
    expect(chooseLanguage("", ["fr-FR", "bn-BD", "en"], "en")).toBe("bn");
  });
  it("then to the school's default", () => {
    expect(chooseLanguage(null, ["fr"], "bn")).toBe("bn");
  });
  it("and to English when nothing matches", () => {
    expect(chooseLanguage("xx", ["de"], "zz")).toBe("en");
  });
});
