import { describe, expect, it } from "vitest";
import { sortRows, type Column } from "./index";

type Row = { name: string; minutes: number };
const columns: Column<Row>[] = [
  { key: "name", label: "Name", sort: (r) => r.name, render: (r) => r.name },
  { key: "minutes", label: "Minutes", sort: (r) => r.minutes, render: (r) => r.minutes },
];
const rows: Row[] = [
  { name: "student10", minutes: 5 },
  { name: "Student02", minutes: 40 },
  { name: "student01", minutes: 12 },
];

describe("sortRows", () => {
  it("sorts names naturally and without regard to case", () => {
    expect(sortRows(rows, columns, { key: "name" }).map((r) => r.name)).toEqual(["student01", "Student02", "student10"]);
  });
  it("sorts numbers as numbers, and reverses", () => {
    expect(sortRows(rows, columns, { key: "minutes", descending: true }).map((r) => r.minutes)).toEqual([40, 12, 5]);
  });
  it("keeps the given order without a sort", () => {
    expect(sortRows(rows, columns, null)).toEqual(rows);
  });
});
