import { describe, expect, it } from "vitest";
import { csvRows } from "./csv";
import { fileTooLarge, previewOf, problemsFirst } from "./preview";

const FILE = "email,name,role\nnew@x.test,New,student\nbad,Bad,student\nold@x.test,Old,teacher\n";

describe("previewOf", () => {
  const preview = previewOf(csvRows(FILE), {
    rows: [
      { line: 2, email: "new@x.test", name: "New", role: "STUDENT", action: "CREATE", classes: [], parentEmails: [] },
      { line: 4, email: "old@x.test", name: "Old", role: "TEACHER", action: "UNCHANGED", classes: [], parentEmails: [] },
    ],
    errors: [
      { line: 3, column: "email", message: "not valid" },
      { line: null, column: null, message: "whole file" },
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

  it("lists errors of the whole file apart", () => {
    expect(preview.fileErrors.map((e) => e.message)).toEqual(["whole file"]);
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
