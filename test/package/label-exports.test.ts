import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import * as label from '../../src/label.js';

/**
 * The public runtime exports of "finerouter/label" (src/label.ts), sorted. Adding or removing one is an API
 * change: update this list on purpose (copy the "received" array from the failure message).
 */
const EXPECTED_LABEL_EXPORTS = [
  'CHAT_CLIENT_DEFAULTS',
  'CONVERT_DEFAULTS',
  'DEFAULT_RUBRIC',
  'LABEL_DEFAULTS',
  'LLM_JUDGE_DEFAULTS',
  'POOL_DEFAULTS',
  'callCost',
  'choiceJudge',
  'convertLlmRouter',
  'convertLong',
  'convertRouteLlm',
  'convertRouterBench',
  'convertScoreArray',
  'createChatClient',
  'createLimiter',
  'createMemoryStore',
  'createPoolClients',
  'csvField',
  'estimateTokens',
  'exactMatchJudge',
  'extractChoice',
  'extractNumber',
  'functionJudge',
  'labelPrompts',
  'normalizeText',
  'numericJudge',
  'pairwiseJudge',
  'parseCsv',
  'parseNumber',
  'parsePrompts',
  'parseRating',
  'parseStoreEntry',
  'parseVerdict',
  'planLabel',
  'promptMessages',
  'promptText',
  'regexJudge',
  'retryAfterMs',
  'rubricJudge',
  'stableStringify',
  'storeKey',
  'validatePool',
  'validatePrompt',
];

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

describe('public exports of "finerouter/label"', () => {
  it('match the locked, sorted list', () => {
    expect(Object.keys(label).sort()).toEqual(EXPECTED_LABEL_EXPORTS);
    expect(EXPECTED_LABEL_EXPORTS).toEqual([...new Set(EXPECTED_LABEL_EXPORTS)].sort());
  });

  it('built: ESM and CJS give the same names, and the bundle imports no node: module, fs or runtime', () => {
    for (const file of ['label.js', 'label.cjs']) expect(existsSync(resolve(root, 'dist', file)), `dist/${file}: run npm run build`).toBe(true);
    const run = (args: string[]): string[] => JSON.parse(execFileSync(process.execPath, args, { cwd: root, encoding: 'utf8', timeout: 60_000 })) as string[];
    const esm = run(['--input-type=module', '-e', "const m = await import('finerouter/label'); console.log(JSON.stringify(Object.keys(m).sort()));"]);
    const cjs = run(['-e', "console.log(JSON.stringify(Object.keys(require('finerouter/label')).sort()))"]);
    expect(esm).toEqual(EXPECTED_LABEL_EXPORTS);
    expect(cjs).toEqual(EXPECTED_LABEL_EXPORTS);
    for (const file of ['label.js', 'label.cjs']) {
      const text = readFileSync(resolve(root, 'dist', file), 'utf8');
      expect(text, file).not.toMatch(/(?:from\s*|require\(\s*|import\(\s*)['"](?:node:|onnxruntime|@huggingface|fs['"]|path['"])/);
    }
  });
});
