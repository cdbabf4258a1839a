/**
 * `tasks.md`: a human-readable report of discovered tasks in the spirit of the paper's Table 3
 * (task id, description, selected candidates), plus counts, the Others share, top sources and
 * sample prompts. Pure: returns a string.
 */
import type { RoutingRecord } from '../data/types.js';
import { truncateText } from './describer.js';
import type { TasksFile } from './types.js';

/** Options of {@link tasksReportMarkdown}. */
export interface TasksReportOptions {
  /** Tasks listed in detail (largest first). @defaultValue 30 */
  maxTasks?: number;
  /** Sample prompts per listed task. @defaultValue 3 */
  samples?: number;
  /** Characters per sample prompt. @defaultValue 160 */
  sampleChars?: number;
  /** Extra lines (e.g. timings) appended under "Run". @defaultValue [] */
  notes?: readonly string[];
}

/**
 * Defaults of {@link TasksReportOptions}.
 *
 * @example
 * tasksReportMarkdown(tasksFile, records, { ...TASKS_REPORT_DEFAULTS, maxTasks: 100 });
 */
export const TASKS_REPORT_DEFAULTS = Object.freeze({ maxTasks: 30, samples: 3, sampleChars: 160 });

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\s+/g, ' ').trim();
}

/**
 * Renders tasks.md.
 *
 * @param file - the tasks.json object.
 * @param records - the records discovery ran on (same order as `file.ids`), for sample prompts.
 * @param options - see {@link TasksReportOptions}.
 * @returns Markdown text.
 * @throws RangeError when `records` does not match `file.ids`.
 * @example
 * await writeFile('out/tasks.md', tasksReportMarkdown(file, records));
 */
export function tasksReportMarkdown(
  file: TasksFile,
  records: readonly RoutingRecord[],
  options: TasksReportOptions = {},
): string {
  if (records.length !== file.ids.length) {
    throw new RangeError(`tasksReportMarkdown: expected ${file.ids.length} records, received ${records.length}`);
  }
  const maxTasks = options.maxTasks ?? TASKS_REPORT_DEFAULTS.maxTasks;
  const samples = options.samples ?? TASKS_REPORT_DEFAULTS.samples;
  const sampleChars = options.sampleChars ?? TASKS_REPORT_DEFAULTS.sampleChars;
  const n = file.ids.length;
  const inTasks = n - file.others.size;
  const meanCandidates =
    file.tasks.length === 0 ? 0 : file.tasks.reduce((s, t) => s + t.candidates.length, 0) / file.tasks.length;
  const sizes = file.tasks.map((t) => t.size);
  const medianSize = sizes.length === 0 ? 0 : sizes[Math.floor((sizes.length - 1) / 2)]!;
  const pct = (x: number): string => `${(100 * x).toFixed(1)}%`;
  const o = file.options;
  const lines: string[] = [
    '# Discovered tasks',
    '',
    `FineRouter Stage 1 task discovery (arXiv 2603.19415, Sect. 3.1.1) on ${n} prompts${file.data.path ? ` from \`${file.data.path}\`` : ''}${file.data.split ? ` (split \`${file.data.split}\`)` : ''}.`,
    '',
    '## Summary',
    '',
    '| | |',
    '|---|---|',
    `| tasks | ${file.tasks.length} |`,
    `| prompts in tasks | ${inTasks} (${pct(n === 0 ? 0 : inTasks / n)}) |`,
    `| Others (t = ∅) | ${file.others.size} (${pct(n === 0 ? 0 : file.others.size / n)}) |`,
    `| task size: largest / median / smallest | ${sizes[0] ?? 0} / ${medianSize} / ${sizes.at(-1) ?? 0} |`,
    `| mean candidates per task | ${meanCandidates.toFixed(2)} of ${file.models.length} models |`,
    `| encoder | ${file.encoder ? `${file.encoder.id} (${file.encoder.dimension} d)` : 'unknown'} |`,
    `| options | k = ${o.k}, τ = ${o.rboThreshold}, ℓ = ${o.iterations}, δ = ${o.coverage}, ε = ${o.epsilon}, ${o.objective} γ = ${o.resolution}, min task size ${o.minTaskSize}, seed ${o.seed}, describer ${o.describer ?? 'none (medoid prompt)'} |`,
    '',
    `## Largest tasks`,
    '',
    '| task | size | description | candidates | top sources |',
    '|---:|---:|---|---|---|',
  ];
  for (const task of file.tasks.slice(0, maxTasks)) {
    const sources = task.sources.map((s) => `${s.source} (${s.count})`).join(', ');
    lines.push(
      `| ${task.id} | ${task.size} | ${cell(truncateText(task.description, 200))} | ${cell(task.candidates.join(', '))} | ${cell(sources)} |`,
    );
  }
  lines.push('', '## Sample prompts', '');
  for (const task of file.tasks.slice(0, maxTasks)) {
    lines.push(
      `### Task ${task.id} (${task.size} prompts; candidates: ${task.candidates.join(', ')}; coverage ${task.coverage.toFixed(2)})`,
      '',
    );
    const picks = [task.medoid, ...task.members.filter((p) => p !== task.medoid)].slice(0, samples);
    for (const p of picks) lines.push(`- ${truncateText(records[p]!.prompt, sampleChars).replace(/\n/g, ' ')}`);
    lines.push('');
  }
  lines.push(
    '## Others',
    '',
    `${file.others.size} prompts. Stage-1 medians: ${file.models.map((m) => `${m} ${file.others.stage1[m]!.toFixed(2)}`).join(', ')}.`,
    '',
  );
  if (file.stats.levels.length > 0) {
    lines.push(
      '## Run',
      '',
      '| level | nodes | candidate edges | kept (RBO ≥ τ) | communities | kNN | kNN ms | RBO ms | Leiden ms | summaries ms |',
      '|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|',
    );
    file.stats.levels.forEach((l, i) => {
      lines.push(
        `| ${i} | ${l.nodes} | ${l.candidateEdges} | ${l.keptEdges} | ${l.communities} | ${l.knn} | ${l.ms.knn.toFixed(0)} | ${l.ms.rbo.toFixed(0)} | ${l.ms.leiden.toFixed(0)} | ${l.ms.summaries.toFixed(0)} |`,
      );
    });
    lines.push('');
  }
  for (const note of options.notes ?? []) lines.push(note);
  return `${lines.join('\n')}\n`;
}
