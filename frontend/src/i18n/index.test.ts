import { afterEach, describe, expect, it } from "vitest";
import { t } from "./index";
import i18next from "i18next";

afterEach(() => void i18next.changeLanguage("en"));

describe("messages", () => {
  it("write a count in the language's digits and pick the plural by it", async () => {
    await i18next.changeLanguage("bn");
    expect(t("attendance:room.minutes", { count: 45 })).toContain("৪৫");
    await i18next.changeLanguage("en");
    expect(t("attendance:room.minutes", { count: 1 })).toMatch(/^1 /);
    expect(t("attendance:room.minutes", { count: 1200 })).toContain("1,200");
  });
});
