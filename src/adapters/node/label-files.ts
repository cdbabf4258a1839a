/**
 * File I/O of `finerouter label` and `finerouter convert` (Node only): prompt files, tabular inputs of
 * the converters, and atomic writes of routing JSONL and summaries. Parsing and validation live in the
 * pure src/label/*.ts.
 */
import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from './atomic-write.js';
import { basename, extname } from 'node:path';
import { FineRouterError } from '../../errors.js';
import type { RoutingRecord } from '../../data/types.js';
import { parseCsv } from '../../label/csv.js';
import type { SourceRow } from '../../label/convert.js';
import { parsePrompts, type LabelPrompt } from '../../label/prompts.js';

async function readText(path: string, what: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    throw new FineRouterError('DATA_INVALID', `${what}: cannot read ${path}: ${(error as Error).message}`, {
      cause: error,
    });
  }
}

/** The format of a table file by its extension: .csv → csv, .json → json, anything else → jsonl. */
export function tableFormatOf(path: string): 'csv' | 'json' | 'jsonl' {
  const ext = extname(path).toLowerCase();
  return ext === '.csv' ? 'csv' : ext === '.json' ? 'json' : 'jsonl';
}

/**
 * Reads a prompts file (JSONL or CSV by extension, see src/label/prompts.ts).
 *
 * @param path - .jsonl or .csv file.
 * @returns the prompts.
 * @throws FineRouterError 'DATA_INVALID' naming the file and line.
 * @example
 * const prompts = await readPromptsFile('prompts.jsonl');
 */
export async function readPromptsFile(path: string): Promise<LabelPrompt[]> {
  const text = await readText(path, 'prompts');
  return parsePrompts(text, tableFormatOf(path) === 'csv' ? 'csv' : 'jsonl', path);
}

/**
 * Reads a table for the converters: CSV (header row), JSONL (one object per line) or a JSON array.
 * Rows carry their 1-based line (array index + 1 for JSON arrays).
 *
 * @param path - the file.
 * @param format - override the format guessed from the extension.
 * @returns rows (or, for a JSON file, the parsed value in `json` as well).
 * @throws FineRouterError 'DATA_INVALID' on unreadable or malformed input.
 * @example
 * const { rows } = await readTableFile('log.csv');
 */
export async function readTableFile(
  path: string,
  format: 'csv' | 'json' | 'jsonl' = tableFormatOf(path),
): Promise<{ rows: SourceRow[]; json?: unknown }> {
  const text = await readText(path, 'convert');
  if (format === 'csv') {
    const table = parseCsv(text, path);
    return {
      rows: table.rows.map((fields, i) => {
        const row: Record<string, string> = {};
        table.header.forEach((h, c) => (row[h] = fields[c]!));
        return { line: table.lines[i]!, row };
      }),
    };
  }
  if (format === 'json') {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (error) {
      throw new FineRouterError('DATA_INVALID', `${path}: not valid JSON (${(error as Error).message})`, {
        cause: error,
      });
    }
    const rows = Array.isArray(json)
      ? json.map((row: unknown, i) => ({
          line: i + 1,
          row: (typeof row === 'object' && row !== null ? row : {}) as Record<string, unknown>,
        }))
      : [];
    return { rows, json };
  }
  const rows: SourceRow[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.replace(/\r$/, '');
    if (line.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (error) {
      throw new FineRouterError(
        'DATA_INVALID',
        `${path}: line ${i + 1}: malformed JSON (${(error as Error).message})`,
        { cause: error },
      );
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value))
      throw new FineRouterError('DATA_INVALID', `${path}: line ${i + 1}: expected a JSON object`);
    rows.push({ line: i + 1, row: value as Record<string, unknown> });
  });
  return { rows };
}

/** The file name without directory and extension (RouteLLM's `mmlu_anatomy.csv` → `mmlu_anatomy`). */
export function stemOf(path: string): string {
  return basename(path, extname(path));
}

/**
 * Writes routing records as JSONL, atomically.
 *
 * @param path - destination .jsonl.
 * @param records - routing records.
 * @returns when written.
 * @throws FineRouterError 'OUTPUT_INVALID' when the file cannot be written.
 * @example
 * await writeRoutingJsonl('routing.jsonl', records);
 */
export function writeRoutingJsonl(path: string, records: readonly RoutingRecord[]): Promise<void> {
  return writeFileAtomic(path, records.map((r) => JSON.stringify(r)).join('\n') + (records.length > 0 ? '\n' : ''));
}
