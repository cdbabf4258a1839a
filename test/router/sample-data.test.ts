/**
 * The shipped demo data stays consistent: the MiniLM vectors next to examples/data/routing-sample.jsonl
 * belong to exactly these prompts (the demo refuses them otherwise and re-embeds, which is slow), and every
 * record parses as routing data.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseRoutingLine } from '../../src/data/parse.js';

const dir = join(__dirname, '..', '..', 'examples', 'data');

describe('examples/data sample', () => {
  const lines = readFileSync(join(dir, 'routing-sample.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l.trim().length > 0);
  const records = lines.map((line, i) => parseRoutingLine(line, i + 1));

  it('parses, has both splits and 9 models on every line', () => {
    expect(records.length).toBe(999);
    expect(records.filter((r) => r.split === 'test').length).toBe(68);
    for (const r of records) expect(Object.keys(r.scores).length).toBe(9);
  });

  it('ships unit-length MiniLM vectors of exactly these prompts', () => {
    const header = JSON.parse(readFileSync(join(dir, 'routing-sample.minilm.json'), 'utf8'));
    const prompts = records.map((r) => r.prompt);
    expect(header.encoder).toEqual({ id: 'sentence-transformers/all-MiniLM-L6-v2', dimension: 384 });
    expect(header.count).toBe(prompts.length);
    expect(header.promptsSha256).toBe(createHash('sha256').update(JSON.stringify(prompts)).digest('hex'));
    const bytes = readFileSync(join(dir, 'routing-sample.minilm.f32'));
    expect(header.vectorsSha256).toBe(createHash('sha256').update(bytes).digest('hex'));
    expect(bytes.byteLength).toBe(prompts.length * 384 * 4);
    const copy = new Uint8Array(bytes.byteLength);
    copy.set(bytes);
    const v = new Float32Array(copy.buffer);
    for (let r = 0; r < prompts.length; r++) {
      let norm = 0;
      for (let k = 0; k < 384; k++) norm += v[r * 384 + k]! ** 2;
      expect(Math.abs(Math.sqrt(norm) - 1)).toBeLessThan(1e-4);
    }
  });

  it('prices cover every model', () => {
    const prices = JSON.parse(readFileSync(join(dir, 'prices.json'), 'utf8'));
    expect(Object.keys(prices).sort()).toEqual(Object.keys(records[0]!.scores).sort());
  });
});
