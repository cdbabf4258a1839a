import { describe, expect, it } from 'vitest';
import { FineRouterError } from '../../src/errors.js';
import { discoverTasks } from '../../src/discovery/discover.js';
import { tasksReportMarkdown } from '../../src/discovery/report.js';
import { toTasksFile, validateTasksFile } from '../../src/discovery/tasks-file.js';
import { clusteredRecords, clusteredVectors } from './helpers.js';

const { x, label } = clusteredVectors(120, 8, 4, 0.3, 2);
const records = clusteredRecords(label, ['a', 'b', 'c', 'd'], 1);

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return error instanceof FineRouterError ? error.code : String(error);
  }
  return undefined;
}

describe('tasks.json', () => {
  it('round-trips through JSON and validates', async () => {
    const result = await discoverTasks(records, x, {
      objective: 'modularity',
      resolution: 1,
      iterations: 1,
      minTaskSize: 10,
    });
    const file = toTasksFile(result, {
      ids: records.map((r) => r.id),
      encoder: { id: 'fake', dimension: 8 },
      data: { path: 'x.jsonl', split: 'train' },
      createdAt: 'now',
    });
    const parsed = validateTasksFile(JSON.parse(JSON.stringify(file)));
    expect(parsed.schema).toBe('finerouter/tasks');
    expect(parsed.version).toBe(1);
    expect(parsed.assignment).toEqual(Array.from(result.assignment));
    expect(parsed.tasks.length).toBe(result.tasks.length);
    expect(parsed.data).toEqual({ path: 'x.jsonl', split: 'train', records: 120 });
    expect(() => toTasksFile(result, { ids: ['only-one'] })).toThrow(RangeError);
  });

  it('rejects wrong schema, version, inconsistent assignment and double membership', async () => {
    const result = await discoverTasks(records, x, { objective: 'modularity', resolution: 1, iterations: 1 });
    const good = JSON.parse(JSON.stringify(toTasksFile(result, { ids: records.map((r) => r.id) })));
    expect(codeOf(() => validateTasksFile({ ...good, schema: 'other' }))).toBe('ARTIFACT_SCHEMA');
    expect(codeOf(() => validateTasksFile({ ...good, version: 2 }))).toBe('ARTIFACT_SCHEMA');
    const moved = structuredClone(good);
    moved.assignment[moved.tasks[0].members[0]] = -1;
    expect(codeOf(() => validateTasksFile(moved))).toBe('ARTIFACT_SCHEMA');
    const twice = structuredClone(good);
    twice.tasks[1].members.push(twice.tasks[0].members[0]);
    twice.tasks[1].size++;
    expect(codeOf(() => validateTasksFile(twice))).toBe('ARTIFACT_SCHEMA');
    const badStage1 = structuredClone(good);
    badStage1.tasks[0].stage1.a = null;
    expect(codeOf(() => validateTasksFile(badStage1))).toBe('ARTIFACT_SCHEMA');
    expect(codeOf(() => validateTasksFile(null))).toBe('ARTIFACT_SCHEMA');
  });

  it('renders tasks.md with counts, the largest tasks and samples', async () => {
    const result = await discoverTasks(records, x, { objective: 'modularity', resolution: 1, iterations: 1 });
    const file = toTasksFile(result, { ids: records.map((r) => r.id) });
    const md = tasksReportMarkdown(file, records, { maxTasks: 2, samples: 2 });
    expect(md).toContain(`| tasks | ${result.tasks.length} |`);
    expect(md).toContain('## Largest tasks');
    expect(md).toContain(`### Task 0 (${result.tasks[0]!.size} prompts`);
    expect(md).not.toContain('### Task 2 ');
    expect(() => tasksReportMarkdown(file, records.slice(1))).toThrow(RangeError);
  });
});
