import { describe, expect, it } from "vitest";
import { csvCell, csvFileName, toCsv } from "./csv";

describe("csv", () => {
  it("quotes commas, quotes and line breaks", () => {
    expect(csvCell('Rahman, "Rafi"')).toBe('"Rahman, ""Rafi"""');
    expect(csvCell("two\nlines")).toBe('"two\nlines"');
    expect(csvCell(null)).toBe("");
    expect(csvCell(12)).toBe("12");
  });

  it("makes formulas inert", () => {
    expect(csvCell("=HYPERLINK(\"x\")")).toBe("\"'=HYPERLINK(\"\"x\"\")\"");
    expect(csvCell("+1")).toBe("'+1");
    expect(csvCell("@me")).toBe("'@me");
    expect(csvCell(-3)).toBe("-3"); // numbers stay numbers
  });

  it("starts with a byte-order mark and ends lines with CRLF", () => {
    const text = toCsv([["a", "বাংলা"], [1, 2]]);
    expect(text).toBe("\ufeffa,বাংলা\r\n1,2\r\n");
  });

  it("names files safely, keeping Bengali letters", () => {
    expect(csvFileName("Demo class", "attendance")).toBe("Demo-class-attendance.csv");
    expect(csvFileName("গণিত / ক্লাস")).toBe("গণিত-ক্লাস.csv");
    expect(csvFileName("///")).toBe("attendance.csv");
  });
});
