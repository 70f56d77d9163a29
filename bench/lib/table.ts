/** Tables printed as aligned Markdown, so a run's output can go into BENCHMARKS.md as is. */

/** One table of a scenario. */
export interface Table {
  title: string;
  columns: string[];
  rows: string[][];
  /** Lines printed under the table. */
  notes?: string[];
}

/** Columns whose cells look numeric are right-aligned. */
function numeric(cells: string[]): boolean {
  const filled = cells.filter((c) => c !== '');
  return filled.length > 0 && filled.every((c) => c === '—' || c === 'n/a' || /^[<>≤≥~]?\s?-?[\d.,]+/.test(c));
}

/** Renders `table` as Markdown with padded columns. */
export function renderTable(table: Table): string {
  const widths = table.columns.map((c, i) => Math.max(c.length, ...table.rows.map((r) => (r[i] ?? '').length)));
  const right = table.columns.map((_, i) => numeric(table.rows.map((r) => r[i] ?? '')));
  const cell = (text: string, i: number): string => (right[i] ? text.padStart(widths[i]) : text.padEnd(widths[i]));
  const line = (cells: string[]): string => `| ${cells.map((c, i) => cell(c ?? '', i)).join(' | ')} |`;
  const rule = `|${widths.map((w, i) => (right[i] ? `${'-'.repeat(w + 1)}:` : `${'-'.repeat(w + 2)}`)).join('|')}|`;
  const out = [`#### ${table.title}`, '', line(table.columns), rule, ...table.rows.map(line)];
  if (table.notes?.length) out.push('', ...table.notes);
  return `${out.join('\n')}\n`;
}
