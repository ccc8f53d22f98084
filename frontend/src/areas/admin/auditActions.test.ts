import { describe, expect, it } from "vitest";
import en from "../../locales/en/admin.json";
import { ACTION_KEYS, actionLabel } from "./auditActions";

describe("the audit log's action labels", () => {
  it("say a known action in words, and leave an unknown one alone", () => {
    expect(actionLabel("join.denied")).toBe("Join denied");
    expect(actionLabel("something.new")).toBeNull();
  });

  it("have a message for every listed code", () => {
    const messages = en.audit.actions as Record<string, string>;
    for (const key of Object.values(ACTION_KEYS)) expect(messages[key], key).toBeTruthy();
  });
});
