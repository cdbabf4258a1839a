#!/usr/bin/env node
// Runs benchmarks: `node bench/run.mjs [name ...]` runs bench/<name>.bench.mjs for each name;
// with no name it runs the default set (rbo, leiden, encoder, router: those that exist);
// `all` runs every bench/*.bench.mjs. Each benchmark runs in its own node process, one after the
// other (they time things; running them side by side would skew the figures). Benchmarks import
// the BUILT package from ../dist, so build first (`npm run bench` does).
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const DEFAULT_SET = ['rbo', 'leiden', 'encoder', 'router'];
const available = readdirSync(here)
  .filter((file) => file.endsWith('.bench.mjs'))
  .map((file) => file.slice(0, -'.bench.mjs'.length))
  .sort();

const args = process.argv.slice(2);
if (args.includes('--help') || args.includes('-h')) {
  process.stdout.write(
    `Usage: npm run bench [-- NAME ... | -- all]\nAvailable: ${available.join(', ') || '(none)'}\nDefault: ${DEFAULT_SET.join(', ')} (those that exist)\n`,
  );
  process.exit(0);
}
// Arguments starting with `--` (e.g. `--paper-scale`) are passed through to every benchmark run, each with the
// argument after it when that is not a benchmark name (`--workers 2`, `--limit 0`).
const passthrough = [];
const positional = [];
for (let i = 0; i < args.length; i++) {
  const arg = args[i];
  if (!arg.startsWith('--')) positional.push(arg);
  else {
    passthrough.push(arg);
    const next = args[i + 1];
    if (next !== undefined && !next.startsWith('--') && next !== 'all' && !available.includes(next)) {
      passthrough.push(next);
      i++;
    }
  }
}
let names;
if (positional.length === 0) names = DEFAULT_SET.filter((name) => available.includes(name));
else if (positional.length === 1 && positional[0] === 'all') names = available;
else names = positional;

const unknown = names.filter((name) => !available.includes(name));
if (unknown.length > 0) {
  process.stderr.write(
    `bench: no bench/<name>.bench.mjs for ${unknown.join(', ')}. Available: ${available.join(', ') || '(none)'}\n`,
  );
  process.exit(2);
}
if (!existsSync(join(here, '..', 'dist', 'index.js'))) {
  process.stderr.write('bench: dist/ is missing; run `npm run build` first (`npm run bench` does).\n');
  process.exit(2);
}

let failed = 0;
for (const name of names) {
  process.stdout.write(`\n=== bench/${name}.bench.mjs (node ${process.version}) ===\n`);
  const result = spawnSync(process.execPath, [join(here, `${name}.bench.mjs`), ...passthrough], { stdio: 'inherit' });
  if (result.status !== 0) {
    failed++;
    process.stderr.write(`bench: ${name} exited with ${result.status ?? result.signal}\n`);
  }
}
process.exit(failed === 0 ? 0 : 1);
