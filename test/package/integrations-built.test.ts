import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// The built framework subpaths (dist/, made by `npm test`'s "pretest"): ESM import and CJS require through the
// exports map, in a fresh node process, give the same names; the frameworks stay external (optional peers).
const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const run = (args: string[]): string =>
  execFileSync(process.execPath, args, { cwd: root, encoding: 'utf8', timeout: 60_000 });

const EXPECTED: Record<string, string[]> = {
  'finerouter/ai-sdk': [
    'FALLBACK_DEFAULTS',
    'callWithFallback',
    'classifyUpstreamError',
    'createFineRouterModel',
    'fallbackOrder',
    'routingSummary',
  ],
  'finerouter/openai': [
    'FALLBACK_DEFAULTS',
    'callWithFallback',
    'classifyUpstreamError',
    'createRoutedOpenAI',
    'fallbackOrder',
    'isRefusalCompletion',
    'routingSummary',
  ],
  'finerouter/langchain': [
    'FALLBACK_DEFAULTS',
    'FineRouterChatModel',
    'callWithFallback',
    'classifyUpstreamError',
    'fallbackOrder',
    'routingSummary',
  ],
};

describe('built integration subpaths', () => {
  it('exist in dist/', () => {
    for (const file of ['ai-sdk.js', 'ai-sdk.cjs', 'openai.js', 'openai.cjs', 'langchain.js', 'langchain.cjs'])
      expect(existsSync(resolve(root, 'dist', file)), file).toBe(true);
  });

  it('export the same locked names from ESM and CJS', () => {
    for (const [subpath, names] of Object.entries(EXPECTED)) {
      const esm = JSON.parse(
        run([
          '--input-type=module',
          '-e',
          `const m = await import('${subpath}'); console.log(JSON.stringify(Object.keys(m).sort()))`,
        ]),
      ) as string[];
      const cjs = JSON.parse(
        run(['-e', `console.log(JSON.stringify(Object.keys(require('${subpath}')).sort()))`]),
      ) as string[];
      expect(esm, subpath).toEqual(names);
      expect(cjs, subpath).toEqual(names);
    }
  });
});
