/**
 * `finerouter convert`: published routing-data layouts and long-format logs → routing JSONL.
 * Argument parsing and files only; the conversion rules are in src/label/convert.ts.
 */
import { readTableFile, stemOf, writeRoutingJsonl } from '../../adapters/node/label-files.js';
import { writeFileAtomic } from '../../adapters/node/atomic-write.js';
import { FineRouterError } from '../../errors.js';
import {
  convertLlmRouter,
  convertLong,
  convertRouteLlm,
  convertRouterBench,
  convertScoreArray,
  type ConvertOptions,
  type ConvertReport,
  type ConvertResult,
  type SourceRow,
} from '../../label/convert.js';
import type { RoutingRecord } from '../../data/types.js';
import type { Command } from '../command.js';
import { choiceFlag, parseFlags, UsageError } from '../options.js';

const FORMATS = ['long', 'routerbench', 'routellm', 'llmrouter', 'scores'] as const;

const usage = `Usage: finerouter convert --from FORMAT --in FILE [--in FILE ...] --out FILE [options]

Converts routing data to routing JSONL ({id, prompt, scores, costs?, source?, split?} per line) for
'finerouter train' and 'finerouter eval'. Every dropped row and every conflicting value is reported.

Formats (--from):
  long         one row per prompt × model (CSV or JSONL); name the columns with --prompt-col, --model-col,
               --score-col and optionally --id-col, --cost-col (USD), --source-col, --split-col
  routerbench  RouterBench dataframe exported to CSV/JSONL: sample_id, prompt, eval_name, M, M|total_cost, ...
  routellm     RouteLLM eval tables (e.g. mmlu_<subject>.csv): prompt + one True/False column per model;
               source = the file name unless --source is given
  llmrouter    LLMRouter routing JSONL: task_name, query, model_name, performance[, cost]
  scores       JSON arrays [{question, scores: {model: score}}] (LLMRouter dcrouter_preprocessed, RouterDC)

Options:
  --in FILE             input file (repeatable; rows of all files are merged by prompt id)
  --out FILE            routing JSONL to write (required)
  --prompt-col NAME     long: prompt column (default prompt)
  --model-col NAME      long: model column (default model)
  --score-col NAME      long: score column (default score)
  --id-col NAME         long: id column (default: ids from sha256 of the prompt)
  --cost-col NAME       long: USD cost column
  --source-col NAME     long: task/source column
  --split-col NAME      long: split column
  --score-range MIN,MAX raw scores mapped linearly to [0, 1] (default 0,1; e.g. 1,10 for ratings)
  --on-conflict RULE    same prompt and model with different scores: mean | first | last | error (default mean)
  --models A,B          keep only these models
  --source NAME         source for records without one
  --split NAME          split for records without one
  --report FILE         write the full report (every dropped row and conflict) as JSON
  --json                print the report summary as JSON
  --help                this text`;

export const convertCommand: Command = {
  name: 'convert',
  summary: 'convert long-format logs, RouterBench, RouteLLM or LLMRouter data to routing JSONL',
  usage,
  async run(argv) {
    const { values } = parseFlags(
      'convert',
      argv,
      {
        from: { type: 'string' },
        in: { type: 'string', multiple: true },
        out: { type: 'string' },
        'prompt-col': { type: 'string' },
        'model-col': { type: 'string' },
        'score-col': { type: 'string' },
        'id-col': { type: 'string' },
        'cost-col': { type: 'string' },
        'source-col': { type: 'string' },
        'split-col': { type: 'string' },
        'score-range': { type: 'string' },
        'on-conflict': { type: 'string' },
        models: { type: 'string' },
        source: { type: 'string' },
        split: { type: 'string' },
        report: { type: 'string' },
        json: { type: 'boolean' },
      },
      { required: ['from', 'in', 'out'] },
    );
    const inputs = values.in ?? [];
    const format = choiceFlag('convert', 'from', values.from, FORMATS)!;
    const out = values.out!;
    const options: ConvertOptions = {};
    if (values['score-range'] !== undefined) {
      const parts = values['score-range'].split(',').map((x) => Number(x.trim()));
      if (parts.length !== 2 || !parts.every(Number.isFinite) || !(parts[1]! > parts[0]!))
        throw new UsageError(
          `convert: --score-range expects MIN,MAX with MIN < MAX, received '${values['score-range']}'`,
        );
      options.scoreRange = [parts[0]!, parts[1]!];
    }
    const rule = choiceFlag('convert', 'on-conflict', values['on-conflict'], [
      'mean',
      'first',
      'last',
      'error',
    ] as const);
    if (rule !== undefined) options.onConflict = rule;
    if (values.models !== undefined)
      options.models = values.models
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
    if (values.source !== undefined) options.source = values.source;
    if (values.split !== undefined) options.split = values.split;

    // All files' rows go through one conversion, so rows of one prompt in several files merge; line numbers are
    // made unique by a per-file offset and mapped back to "file:line" in the report.
    const rows: SourceRow[] = [];
    const files: { path: string; offset: number }[] = [];
    let scoreItems: unknown[] = [];
    let offset = 0;
    for (const path of inputs) {
      files.push({ path, offset });
      const table = await readTableFile(path, format === 'scores' ? 'json' : undefined);
      if (format === 'scores') {
        if (!Array.isArray(table.json))
          throw new FineRouterError('DATA_INVALID', `convert: ${path} is not a JSON array of {question, scores}`);
        scoreItems = scoreItems.concat(table.json);
      }
      for (const r of table.rows) {
        const row =
          format === 'routellm' && values.source === undefined && !('source' in r.row)
            ? { ...r.row, source: stemOf(path) }
            : r.row;
        rows.push({ line: offset + r.line, row });
      }
      offset += format === 'scores' ? table.rows.length : Math.max(0, ...table.rows.map((r) => r.line)) + 1;
    }
    let result: ConvertResult;
    if (format === 'long') {
      const columns = {
        prompt: values['prompt-col'] ?? 'prompt',
        model: values['model-col'] ?? 'model',
        score: values['score-col'] ?? 'score',
        ...(values['id-col'] !== undefined ? { id: values['id-col'] } : {}),
        ...(values['cost-col'] !== undefined ? { cost: values['cost-col'] } : {}),
        ...(values['source-col'] !== undefined ? { source: values['source-col'] } : {}),
        ...(values['split-col'] !== undefined ? { split: values['split-col'] } : {}),
      };
      result = await convertLong(rows, columns, options);
    } else if (format === 'routerbench') result = await convertRouterBench(rows, options);
    else if (format === 'routellm') result = await convertRouteLlm(rows, options);
    else if (format === 'llmrouter') result = await convertLlmRouter(rows, options);
    else result = await convertScoreArray(scoreItems, options);

    const where = (line: number): string => {
      let file = files[0]!;
      for (const f of files) if (f.offset < line) file = f;
      return `${file.path}:${line - file.offset}`;
    };
    const report: ConvertReport & { out: string; inputs: string[] } = { ...result.report, out, inputs };
    const located = {
      ...report,
      dropped: report.dropped.map((d) => ({ at: where(d.line), reason: d.reason })),
      conflicts: report.conflicts.map((c) => ({
        at: where(c.line),
        id: c.id,
        ...(c.model !== undefined ? { model: c.model } : {}),
        reason: c.reason,
      })),
    };
    if (result.records.length === 0)
      throw new FineRouterError(
        'DATA_INVALID',
        `convert: no records (${report.dropped.length} rows dropped${report.dropped[0] ? `, first: ${where(report.dropped[0].line)} ${report.dropped[0].reason}` : ''})`,
      );
    await writeRoutingJsonl(out, result.records as RoutingRecord[]);
    if (values.report) await writeFileAtomic(values.report, `${JSON.stringify(located, null, 2)}\n`);
    if (values.json) {
      process.stdout.write(
        `${JSON.stringify({ out: out, rows: report.rows, records: report.records, models: report.models, dropped: located.dropped.length, conflicts: located.conflicts.length })}\n`,
      );
    } else {
      const lines = [
        `${out}: ${report.records} records, ${report.models.length} models (${report.models.slice(0, 8).join(', ')}${report.models.length > 8 ? ', …' : ''}) from ${report.rows} rows`,
      ];
      lines.push(`  dropped: ${located.dropped.length}${located.dropped.length > 0 ? '' : ' rows'}`);
      for (const d of located.dropped.slice(0, 10)) lines.push(`    ${d.at}: ${d.reason}`);
      if (located.dropped.length > 10)
        lines.push(
          `    … ${located.dropped.length - 10} more${values.report ? ` in ${values.report}` : ' (--report FILE lists all)'}`,
        );
      lines.push(`  conflicts: ${located.conflicts.length}`);
      for (const c of located.conflicts.slice(0, 10))
        lines.push(`    ${c.at}: ${c.id}${c.model ? ` ${c.model}` : ''}: ${c.reason}`);
      if (located.conflicts.length > 10)
        lines.push(
          `    … ${located.conflicts.length - 10} more${values.report ? ` in ${values.report}` : ' (--report FILE lists all)'}`,
        );
      process.stdout.write(`${lines.join('\n')}\n`);
    }
    return 0;
  },
};
