/**
 * A small RFC 4180 CSV reader (pure): quoted fields with doubled quotes, embedded commas and newlines,
 * CRLF or LF line ends, an optional UTF-8 BOM. Used by `finerouter label` (prompt files) and
 * `finerouter convert` (long-format logs, RouteLLM response tables, RouterBench exports).
 *
 * Deliberate strictness: a quote inside an unquoted field, text after a closing quote, an unclosed
 * quote at the end of input, or a row whose field count differs from the header is an error naming
 * the 1-based line (never a silent repair).
 */
import { FineRouterError } from '../errors.js';

/** A parsed CSV table: header names and rows (each row has `header.length` fields). */
export interface CsvTable {
  header: string[];
  rows: string[][];
  /** 1-based line on which each row starts (rows may span lines inside quotes). */
  lines: number[];
}

/**
 * Parses CSV text with a header row.
 *
 * @param text - the whole file.
 * @param where - a name for messages (file path). @defaultValue 'csv'
 * @returns header, rows and the line each row starts on. Blank lines are skipped.
 * @throws FineRouterError 'DATA_INVALID' naming `where` and the line on malformed quoting, a ragged row,
 *   an empty or duplicate header name.
 * @example
 * parseCsv('id,prompt\n1,"a, b"\n').rows; // [['1', 'a, b']]
 */
export function parseCsv(text: string, where = 'csv'): CsvTable {
  if (typeof text !== 'string') throw new TypeError(`parseCsv: expected text to be a string, received ${typeof text}`);
  const records: { fields: string[]; line: number }[] = [];
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let line = 1;
  const n = text.length;
  while (i < n) {
    const startLine = line;
    const fields: string[] = [];
    let blank = true;
    for (;;) {
      let field = '';
      if (text[i] === '"') {
        blank = false;
        i++;
        for (;;) {
          if (i >= n) throw new FineRouterError('DATA_INVALID', `${where}: line ${startLine}: unclosed quoted field`);
          const c = text[i]!;
          if (c === '"') {
            if (text[i + 1] === '"') {
              field += '"';
              i += 2;
              continue;
            }
            i++;
            break;
          }
          if (c === '\n') line++;
          field += c;
          i++;
        }
        if (i < n && text[i] !== ',' && text[i] !== '\n' && text[i] !== '\r') {
          throw new FineRouterError('DATA_INVALID', `${where}: line ${line}: text after a closing quote`);
        }
      } else {
        const start = i;
        while (i < n && text[i] !== ',' && text[i] !== '\n' && text[i] !== '\r') {
          if (text[i] === '"')
            throw new FineRouterError(
              'DATA_INVALID',
              `${where}: line ${line}: a quote inside an unquoted field (quote the whole field and double inner quotes)`,
            );
          i++;
        }
        field = text.slice(start, i);
        if (field.length > 0) blank = false;
      }
      fields.push(field);
      if (i < n && text[i] === ',') {
        blank = false;
        i++;
        continue;
      }
      break;
    }
    if (text[i] === '\r') i++;
    if (text[i] === '\n') {
      i++;
      line++;
    }
    if (blank && fields.length === 1) continue;
    records.push({ fields, line: startLine });
  }
  if (records.length === 0)
    throw new FineRouterError('DATA_INVALID', `${where}: empty file (a header row is required)`);
  const header = records[0]!.fields.map((h) => h.trim());
  const seen = new Set<string>();
  header.forEach((h, column) => {
    if (h.length === 0)
      throw new FineRouterError('DATA_INVALID', `${where}: line 1: header column ${column + 1} is empty`);
    if (seen.has(h)) throw new FineRouterError('DATA_INVALID', `${where}: line 1: duplicate header '${h}'`);
    seen.add(h);
  });
  const rows: string[][] = [];
  const lines: number[] = [];
  for (const record of records.slice(1)) {
    if (record.fields.length !== header.length) {
      throw new FineRouterError(
        'DATA_INVALID',
        `${where}: line ${record.line}: ${record.fields.length} fields, the header has ${header.length}`,
      );
    }
    rows.push(record.fields);
    lines.push(record.line);
  }
  return { header, rows, lines };
}

/**
 * Quotes one CSV field when needed (comma, quote, CR or LF inside, or leading/trailing space).
 *
 * @param value - the field text.
 * @returns the field as it should appear in a CSV line.
 * @example
 * csvField('a "b"'); // '"a ""b"""'
 */
export function csvField(value: string): string {
  return /[",\r\n]|^\s|\s$/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}
