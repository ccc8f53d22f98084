/** CSV for spreadsheets: RFC 4180 quoting, CRLF line ends, a byte-order mark so that Excel reads
 * Bengali names as UTF-8, and cells that a spreadsheet would run as a formula (=, +, -, @, tab,
 * carriage return at the start) made inert with a leading apostrophe. */

export type Cell = string | number | null | undefined;

export function csvCell(value: Cell): string {
  if (value === null || value === undefined) return "";
  let text = String(value);
  if (typeof value === "string" && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function toCsv(rows: Cell[][]): string {
  return "\ufeff" + rows.map((row) => row.map(csvCell).join(",")).join("\r\n") + "\r\n";
}

/** A file name safe on every system: letters (any script), digits, dashes. */
export function csvFileName(...parts: string[]): string {
  const name = parts
    .join("-")
    .normalize("NFC")
    .replace(/[^\p{L}\p{M}\p{N}]+/gu, "-")
    .replace(/^-+|-+$/g, "");
  return `${name || "attendance"}.csv`;
}
