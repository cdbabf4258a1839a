/**
 * Precomputed embeddings shipped next to a data file (`<name>.minilm.f32` + `<name>.minilm.json`, written by
 * examples/data/make-embeddings.mjs): row-major float32 vectors of every prompt in file order, with a header
 * naming the encoder and the SHA-256 of the prompts. This is input data (like the JSONL), not a cache: the
 * one embedding cache is embedTextsCached's.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { Encoder } from '../../encoder/types.js';

interface ShippedHeader {
  encoder: { id: string; dimension: number };
  count: number;
  dtype: string;
  promptsSha256: string;
}

/**
 * Reads the vectors shipped next to `dataFile` when they belong to exactly `prompts` and `encoder`.
 *
 * @param dataFile - the `.jsonl` file.
 * @param prompts - every prompt of the file, in file order.
 * @param encoder - the encoder the vectors must come from.
 * @returns row-major [prompts.length, D] vectors, or the reason they cannot be used.
 * @example
 * const shipped = await readShippedEmbeddings('examples/data/routing-sample.jsonl', prompts, encoder);
 */
export async function readShippedEmbeddings(
  dataFile: string,
  prompts: readonly string[],
  encoder: Pick<Encoder, 'id' | 'dimension'>,
): Promise<Float32Array | string> {
  const base = dataFile.replace(/\.jsonl$/, '');
  const headerPath = `${base}.minilm.json`;
  const vectorsPath = `${base}.minilm.f32`;
  if (!existsSync(headerPath) || !existsSync(vectorsPath)) return 'no shipped vectors next to the data file';
  const header = JSON.parse(await readFile(headerPath, 'utf8')) as ShippedHeader;
  const sha = createHash('sha256').update(JSON.stringify(prompts)).digest('hex');
  if (header.encoder.id !== encoder.id || header.encoder.dimension !== encoder.dimension)
    return `shipped vectors come from ${header.encoder.id}`;
  if (header.count !== prompts.length || header.promptsSha256 !== sha || header.dtype !== 'float32-le')
    return 'shipped vectors belong to other prompts';
  const bytes = await readFile(vectorsPath);
  if (bytes.byteLength !== header.count * encoder.dimension * 4) return 'shipped vector file has the wrong size';
  const copy = new Uint8Array(bytes.byteLength);
  copy.set(bytes);
  return new Float32Array(copy.buffer);
}

/**
 * Checks precomputed vectors against the live encoder on the first, middle and last text.
 *
 * @param encoder - the live encoder.
 * @param texts - the texts the vectors belong to.
 * @param vectors - row-major [texts.length, D].
 * @returns the largest absolute difference and how many texts were checked.
 * @example
 * const { maxAbsDifference } = await checkEmbeddings(encoder, prompts, shipped); // ~1e-6 when they agree
 */
export async function checkEmbeddings(
  encoder: Encoder,
  texts: readonly string[],
  vectors: Float32Array,
): Promise<{ maxAbsDifference: number; checked: number }> {
  const d = encoder.dimension;
  const probe = [0, Math.floor(texts.length / 2), texts.length - 1];
  const live = await encoder.embed(probe.map((i) => texts[i]!));
  let worst = 0;
  probe.forEach((row, i) => {
    for (let k = 0; k < d; k++) worst = Math.max(worst, Math.abs(live[i * d + k]! - vectors[row * d + k]!));
  });
  return { maxAbsDifference: worst, checked: probe.length };
}
