// Rebuilds routing-sample.jsonl: a seeded, stratified (by `source`) sample of the llmrouter-dcrouter routing
// data (ulab-uiuc/LLMRouter, MIT; see README.md here). Lines are copied verbatim.
//   node examples/data/make-sample.mjs ../shared/data/llmrouter-dcrouter/routing.jsonl [size=1000] [seed=20260328]
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const [input, sizeArg = '1000', seedArg = '20260328'] = process.argv.slice(2);
if (!input) {
  console.error('usage: node examples/data/make-sample.mjs ROUTING_JSONL [size] [seed]');
  process.exit(2);
}
const size = Number(sizeArg);
let state = Number(seedArg) >>> 0;
// mulberry32
const random = () => {
  state = (state + 0x6d2b79f5) >>> 0;
  let t = state;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
};

const lines = readFileSync(input, 'utf8').split('\n').filter((l) => l.trim().length > 0);
const bySource = new Map();
for (const line of lines) {
  const source = JSON.parse(line).source ?? 'unknown';
  if (!bySource.has(source)) bySource.set(source, []);
  bySource.get(source).push(line);
}
const picked = [];
for (const source of [...bySource.keys()].sort()) {
  const group = bySource.get(source);
  const take = Math.min(group.length, Math.round((group.length * size) / lines.length));
  // partial Fisher-Yates on a copy
  const copy = group.slice();
  for (let i = 0; i < take; i++) {
    const j = i + Math.floor(random() * (copy.length - i));
    [copy[i], copy[j]] = [copy[j], copy[i]];
  }
  picked.push(...copy.slice(0, take));
}
// keep the original file order
const order = new Map(lines.map((l, i) => [l, i]));
picked.sort((a, b) => order.get(a) - order.get(b));
const out = join(dirname(fileURLToPath(import.meta.url)), 'routing-sample.jsonl');
writeFileSync(out, `${picked.join('\n')}\n`);
console.log(`${picked.length} of ${lines.length} lines → ${out}`);
