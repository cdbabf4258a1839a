/**
 * Tests that need the large shared inputs (`<clone>/../shared`: routing datasets, large bench graphs) say so in
 * their name ("[needs ../shared/…]"). Where the files are missing such a test is skipped on a developer's machine
 * and FAILS in CI (`CI` set, as .ci/run does): a CI run without the data must not pass silently. Small goldens
 * live in test/fixtures and need nothing.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'vitest';

/** Absolute path of `../shared/<relative>` beside the clone. */
export function sharedPath(relative: string): string {
  return fileURLToPath(new URL(`../../shared/${relative}`, import.meta.url));
}

const missing = (paths: readonly string[]): string[] => paths.filter((p) => !existsSync(sharedPath(p)));
const inCi = (): boolean => Boolean(process.env.CI);

/**
 * `it` for a test that needs shared files: runs when they exist; otherwise skipped locally, failing in CI.
 *
 * @example itWithShared('reads the real data', ['data/llmrouter-dcrouter/routing.jsonl'], async () => { ... });
 */
export function itWithShared(name: string, paths: readonly string[], fn: () => unknown, timeout?: number): void {
  const label = `${name} [needs ${paths.map((p) => `../shared/${p}`).join(', ')}]`;
  const absent = missing(paths);
  if (absent.length === 0) it(label, fn, timeout);
  else if (inCi())
    it(label, () => {
      throw new Error(`missing shared test data in CI: ${absent.map(sharedPath).join(', ')}`);
    });
  // Skipped only on a developer clone without ../shared (CI fails above instead): the data is too large to vendor.
  else it.skip(label, fn);
}

/** `describe` for a group of tests that all need shared files (same rule as {@link itWithShared}). */
export function describeWithShared(name: string, paths: readonly string[], fn: () => void): void {
  const label = `${name} [needs ${paths.map((p) => `../shared/${p}`).join(', ')}]`;
  const absent = missing(paths);
  if (absent.length === 0) describe(label, fn);
  else if (inCi())
    describe(label, () => {
      it('has its shared data', () => {
        throw new Error(`missing shared test data in CI: ${absent.map(sharedPath).join(', ')}`);
      });
    });
  // Same rule as itWithShared: skipped only outside CI when ../shared is absent.
  else describe.skip(label, fn);
}
