import { describe, expect, it } from "vitest";
import i18next from "i18next";
import "../../i18n";
import { applyFormatting } from "../../i18n/format";
import { describeRule } from "./Schedule";
import type { Rule } from "./recurrence";

const rule: Rule = {
  frequency: "weekly",
  interval: 2,
  weekdays: [0, 2],
  monthDay: null,
  monthWeek: null,
  monthWeekday: null,
  count: 10,
  until: null,
};

// setLanguage() also sets <html lang>; the node test environment has no document.
function speak(language: "en" | "bn") {
  void i18next.changeLanguage(language);
  applyFormatting(language === "bn" ? "bn-BD" : "en-BD", "UTC");
}

describe("describeRule", () => {
  it("says which choices apply, in the person's language", () => {
    speak("en");
    expect(describeRule(rule)).toBe("Every 2 weeks on Mon, Wed · 10 sessions");
    expect(describeRule({ ...rule, frequency: "monthly", weekdays: [], monthWeek: -1, monthWeekday: 4, interval: 1 })).toBe(
      "Every month on the last Friday · 10 sessions",
    );
    expect(describeRule({ ...rule, frequency: "daily", weekdays: [], interval: 1, count: 1 })).toBe("Every day · 1 session");
    speak("bn");
    expect(describeRule(rule)).toBe("প্রতি ২ সপ্তাহ পরপর সোম, বুধ · ১০টি ক্লাস");
    speak("en");
  });
});
