import { describe, expect, it } from 'vitest';
import { trainCommand } from '../../src/cli/commands/train.js';
import { addModelCommand } from '../../src/cli/commands/add-model.js';
import { COMMANDS } from '../../src/cli/commands/registry.js';
import { FineRouterError } from '../../src/errors.js';

async function code(p: Promise<unknown>): Promise<string | undefined> {
  const e = await p.catch((error: unknown) => error);
  expect(e).toBeInstanceOf(FineRouterError);
  return (e as FineRouterError).code;
}

describe('train / add-model commands (argument handling; the training itself is tested through trainRouter)', () => {
  it('are registered', () => {
    expect(COMMANDS.map((c) => c.name)).toEqual(expect.arrayContaining(['train', 'add-model']));
  });
  it('reject missing or bad arguments before loading anything', async () => {
    expect(await code(trainCommand.run(['--out', 'x']))).toBe('INVALID_ARGUMENT');
    expect(await code(trainCommand.run(['--data', 'x.jsonl', '--out', 'x', '--holdout', '0.9']))).toBe(
      'INVALID_ARGUMENT',
    );
    expect(await code(trainCommand.run(['--data', 'x.jsonl', '--out', 'x', '--seed=abc']))).toBe('INVALID_ARGUMENT');
    expect(await code(trainCommand.run(['--data', 'x.jsonl', '--out', 'x', '--alpha', '1.5']))).toBe(
      'INVALID_ARGUMENT',
    );
    expect(await code(trainCommand.run(['--data', 'x.jsonl', '--out', 'x', '--alpha', '']))).toBe('INVALID_ARGUMENT');
    expect(await code(trainCommand.run(['--data', 'x.jsonl', '--out', 'x', '--stage1', 'mode']))).toBe(
      'INVALID_ARGUMENT',
    );
    expect(await code(addModelCommand.run(['--artifacts', 'a', '--data', 'd']))).toBe('INVALID_ARGUMENT');
  });
  it('reports a missing data file as DATA_INVALID and missing artifacts as ARTIFACT_MISSING', async () => {
    expect(await code(trainCommand.run(['--data', '/nonexistent/x.jsonl', '--out', '/tmp/never']))).toBe(
      'DATA_INVALID',
    );
    expect(
      await code(addModelCommand.run(['--artifacts', '/nonexistent/dir', '--data', 'd.jsonl', '--model', 'm'])),
    ).toBe('ARTIFACT_MISSING');
  });
});
