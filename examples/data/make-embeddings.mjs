// Rebuilds routing-sample.minilm.f32 + routing-sample.minilm.json: the all-MiniLM-L6-v2 embeddings of every
// prompt of routing-sample.jsonl, in file order (row-major n × 384 float32, little-endian), so `npm run demo`
// trains in seconds instead of spending ~1.5 minutes embedding on 2 CPU cores. The demo checks the header
// (encoder id, dimension, sha256 of the prompts) and re-embeds a few prompts live to confirm the vectors.
//   npx tsup && node examples/data/make-embeddings.mjs
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadMiniLmEncoder } from '../../dist/node.js';

const here = dirname(fileURLToPath(import.meta.url));
const prompts = readFileSync(join(here, 'routing-sample.jsonl'), 'utf8')
  .split('\n')
  .filter((l) => l.trim().length > 0)
  .map((l) => JSON.parse(l).prompt);
const encoder = await loadMiniLmEncoder({ intraOpNumThreads: 1 });
const t0 = performance.now();
const vectors = await encoder.embed(prompts, { batchSize: 32, onProgress: (done, total) => process.stderr.write(`\r${done}/${total}`) });
const seconds = (performance.now() - t0) / 1000;
await encoder.dispose();
const bytes = new Uint8Array(vectors.buffer, vectors.byteOffset, vectors.byteLength);
writeFileSync(join(here, 'routing-sample.minilm.f32'), bytes);
const header = {
  encoder: { id: encoder.id, dimension: encoder.dimension },
  count: prompts.length,
  dtype: 'float32-le',
  promptsSha256: createHash('sha256').update(JSON.stringify(prompts)).digest('hex'),
  vectorsSha256: createHash('sha256').update(bytes).digest('hex'),
};
writeFileSync(join(here, 'routing-sample.minilm.json'), `${JSON.stringify(header, null, 2)}\n`);
process.stderr.write(`\n${prompts.length} prompts embedded in ${seconds.toFixed(1)} s\n`);
