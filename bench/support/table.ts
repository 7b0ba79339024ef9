import type { Cell, Table } from "../types.js";

function format(cell: Cell): string {
  if (cell === null || cell === undefined) return "-";
  if (typeof cell === "string") return cell;
  if (!Number.isFinite(cell)) return String(cell);
  if (Number.isInteger(cell)) return cell.toLocaleString("en-US");
  const magnitude = Math.abs(cell);
  const digits = magnitude >= 100 ? 0 : magnitude >= 10 ? 1 : magnitude >= 1 ? 2 : 3;
  return cell.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** Numbers, and strings that read as numbers ("22%", "4/4", "12.30", "-"), align right. */
const numeric = (cell: Cell) =>
  cell === null || typeof cell === "number" || /^[-+]?\d[\d.,]*(%|\/s|\/[\d.,]+| [A-Za-z]+| \([\d.,]+\))?$|^-$/.test(cell);

/** A table as aligned text: columns of numbers right-aligned, others left-aligned. */
export function renderTable(table: Table): string {
  const rows = table.rows.map((row) => table.columns.map((_, i) => format(row[i] ?? null)));
  const widths = table.columns.map((column, i) => Math.max(column.length, ...rows.map((row) => row[i]!.length)));
  const right = table.columns.map((_, i) => table.rows.every((row) => numeric(row[i] ?? null)));
  const line = (cells: string[]) => cells.map((cell, i) => (right[i] ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!))).join("  ").trimEnd();
  return [table.title, line(table.columns), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)].join("\n");
}
