/** Reading a CSV file the way the server's import does (tenants/people_import/selectors.py), to
 * show its rows in the preview: the delimiter (comma or semicolon) from the header, quoted cells
 * that may span lines, a UTF-8 byte-order mark ignored, and each row numbered by the file line
 * where it starts (1 is the header). Blank rows are skipped, as the server skips them. */

export interface CsvRow {
  line: number;
  cells: string[];
}

export function delimiterOf(headerLine: string): "," | ";" {
  // The server asks Python's sniffer; for a header of plain names the count decides the same.
  const commas = (headerLine.match(/,/g) ?? []).length;
  const semicolons = (headerLine.match(/;/g) ?? []).length;
  return semicolons > commas ? ";" : ",";
}

export function csvRows(text: string): CsvRow[] {
  const body = text.startsWith("\ufeff") ? text.slice(1) : text;
  const delimiter = delimiterOf(body.split("\n", 1)[0] ?? "");
  const rows: CsvRow[] = [];
  let cells: string[] = [];
  let cell = "";
  let quoted = false;
  let line = 1;
  let rowStart = 1;
  const endRow = () => {
    cells.push(cell);
    if (cells.some((c) => c.trim() !== "")) rows.push({ line: rowStart, cells });
    cells = [];
    cell = "";
  };
  for (let i = 0; i < body.length; i++) {
    const ch = body[i];
    if (quoted) {
      if (ch === '"') {
        if (body[i + 1] === '"') {
          cell += '"';
          i++;
        } else {
          quoted = false;
        }
      } else {
        if (ch === "\n") line++;
        cell += ch;
      }
      continue;
    }
    if (ch === '"' && cell === "") {
      quoted = true;
    } else if (ch === delimiter) {
      cells.push(cell);
      cell = "";
    } else if (ch === "\r") {
      if (body[i + 1] !== "\n") {
        line++;
        endRow();
        rowStart = line;
      }
    } else if (ch === "\n") {
      line++;
      endRow();
      rowStart = line;
    } else {
      cell += ch;
    }
  }
  if (cell !== "" || cells.length > 0) endRow();
  return rows;
}
