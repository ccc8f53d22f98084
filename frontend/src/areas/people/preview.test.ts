import { describe, expect, it } from "vitest";
import { csvRows } from "./csv";
import { fileTooLarge, previewOf, problemsFirst } from "./preview";

const FILE = "email,name,role\nnew@x.test,New,student\nbad,Bad,student\nold@x.test,Old,teacher\n";

describe("previewOf", () => {
  const preview = previewOf(csvRows(FILE), {
    total: 3,
    rejected: 1,
    rows: [
      { line: 2, email: "new@x.test", name: "New", role: "STUDENT", action: "CREATE", classes: [], parentEmails: [] },
      { line: 4, email: "old@x.test", name: "Old", role: "TEACHER", action: "UNCHANGED", classes: [], parentEmails: [] },
    ],
    errors: [
      { line: 3, column: "email", message: "not valid" },
    ],
  });

  it("gives each row its action, or its errors", () => {
    expect(preview.rows.map((r) => [r.line, r.status])).toEqual([
      [2, "CREATE"],
      [3, "REJECTED"],
      [4, "UNCHANGED"],
    ]);
    expect(preview.rows[1].errors).toEqual([{ line: 3, column: "email", message: "not valid" }]);
    expect(preview.rows[0].cells).toEqual({ email: "new@x.test", name: "New", role: "student" });
  });

  it("lists the errors of a refused file apart, and no rows", () => {
    const refused = previewOf(csvRows(FILE), { total: 3, rejected: 0, rows: [], errors: [{ line: null, message: "too many rows" }] });
    expect(refused.rows).toEqual([]);
    expect(refused.fileErrors.map((e) => e.message)).toEqual(["too many rows"]);
    expect(preview.fileErrors).toEqual([]);
  });

  it("counts the rows past those the server listed instead of calling them rejected", () => {
    const many = "email,role\n" + Array.from({ length: 5 }, (_, i) => `p${i}@x.test,student`).join("\n");
    const listed = [2, 3].map((line) => ({ line, email: "", name: "", role: "STUDENT", action: "CREATE" as const, classes: [], parentEmails: [] }));
    const partial = previewOf(csvRows(many), { total: 5, rejected: 1, rows: listed, errors: [{ line: 6, column: "email", message: "bad" }] });
    expect(partial.rows.map((r) => [r.line, r.status])).toEqual([
      [2, "CREATE"],
      [3, "CREATE"],
      [6, "REJECTED"],
    ]);
    expect(partial.unlisted).toBe(2);
  });

  it("puts rows to fix first", () => {
    expect(problemsFirst(preview.rows).map((r) => r.line)).toEqual([3, 2, 4]);
  });
});

describe("fileTooLarge", () => {
  it("allows up to the server's bound", () => {
    expect(fileTooLarge(2_000_000)).toBe(false);
    expect(fileTooLarge(2_000_001)).toBe(true);
  });
});
