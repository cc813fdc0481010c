import { CsvError, parseCsv, parseCsvRecords, toCsv } from './csv';

describe('csv', () => {
  it('parses quotes, doubled quotes, commas and newlines inside fields, CRLF and a BOM', () => {
    expect(parseCsv('\ufeffa,b\r\n"x, ""y""","line1\nline2"\r\n')).toEqual([
      ['a', 'b'],
      ['x, "y"', 'line1\nline2'],
    ]);
  });

  it('round-trips through toCsv', () => {
    const rows = [['plain', 'with, comma', 'with "quote"', 'multi\nline']];
    expect(parseCsv(toCsv(['a', 'b', 'c', 'd'], rows)).slice(1)).toEqual(rows);
  });

  it('defuses spreadsheet formulas on export', () => {
    expect(toCsv(['x'], [['=HYPERLINK("evil")']])).toContain(`"'=HYPERLINK(""evil"")"`);
  });

  it('reports rows with the wrong field count and rejects an unterminated quote', () => {
    expect(parseCsvRecords('a,b\n1,2\n3\n').badRows).toEqual([2]);
    expect(() => parseCsv('a,"b')).toThrow(CsvError);
  });
});
