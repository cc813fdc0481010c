/**
 * RFC 4180 CSV: quoted fields may hold commas, quotes (doubled) and newlines. Small and dependency-free because
 * content import/export and the content build are the only users.
 */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  const src = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  for (let i = 0; i < src.length; i++) {
    const c = src[i];
    if (quoted) {
      if (c === '"' && src[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"' && field === '') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && src[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += c;
  }
  if (quoted) throw new CsvError('Unterminated quoted field at end of input');
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows.filter((r) => !(r.length === 1 && r[0] === ''));
}

export class CsvError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CsvError';
  }
}

/** Header row → one record per data row; a row with another field count is reported, not silently padded. */
export function parseCsvRecords(text: string): { header: string[]; records: Record<string, string>[]; badRows: number[] } {
  const rows = parseCsv(text);
  if (rows.length === 0) return { header: [], records: [], badRows: [] };
  const header = rows[0].map((h) => h.trim());
  const records: Record<string, string>[] = [];
  const badRows: number[] = [];
  rows.slice(1).forEach((r, i) => {
    if (r.length !== header.length) {
      badRows.push(i + 1);
      records.push({});
      return;
    }
    records.push(Object.fromEntries(header.map((h, j) => [h, r[j]])));
  });
  return { header, records, badRows };
}

function quote(value: string): string {
  // A leading =,+,-,@ would run as a formula when an admin opens the export in a spreadsheet.
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\n\r]/.test(safe) || safe !== value ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export function toCsv(header: string[], rows: string[][]): string {
  return [header, ...rows].map((r) => r.map(quote).join(',')).join('\r\n') + '\r\n';
}
