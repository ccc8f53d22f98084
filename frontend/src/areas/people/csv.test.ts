import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { csvRows, delimiterOf } from "./csv";
import sample from "./sample.csv?raw";

describe("csvRows", () => {
  it("numbers rows by the line they start on, 1 being the header", () => {
    const rows = csvRows("email,role\na@x.test,student\n\nb@x.test,parent\n");
    expect(rows).toEqual([
      { line: 1, cells: ["email", "role"] },
      { line: 2, cells: ["a@x.test", "student"] },
      { line: 4, cells: ["b@x.test", "parent"] },
    ]);
  });

  it("keeps quoted cells whole, across lines and with doubled quotes", () => {
    const rows = csvRows('email,name\na@x.test,"Akter, ""Rumi""\nsecond line"\nb@x.test,B\n');
    expect(rows[1]).toEqual({ line: 2, cells: ["a@x.test", 'Akter, "Rumi"\nsecond line'] });
    expect(rows[2].line).toBe(4);
  });

  it("takes semicolons from the header and ignores a byte-order mark and CRLF", () => {
    expect(delimiterOf("email;name;role")).toBe(";");
    const rows = csvRows("\ufeffemail;role\r\na@x.test;student\r\n");
    expect(rows).toEqual([
      { line: 1, cells: ["email", "role"] },
      { line: 2, cells: ["a@x.test", "student"] },
    ]);
  });

  it("reads a last row without a newline", () => {
    expect(csvRows("email\na@x.test")).toHaveLength(2);
  });
});

describe("the sample file", () => {
  it("is the one the docs give", () => {
    const docs = readFileSync(new URL("../../../../docs/people-sample.csv", import.meta.url), "utf8");
    expect(sample).toBe(docs);
  });
});
