/**
 * A reader for the safetensors format (https://github.com/huggingface/safetensors, "Format"):
 * 8 bytes little-endian u64 header length N, N bytes of UTF-8 JSON mapping each tensor name to
 * `{ dtype, shape, data_offsets: [begin, end] }` (offsets relative to the byte after the header; an
 * optional `__metadata__` entry of strings), then the raw little-endian tensor data.
 *
 * Pure (bytes in, typed arrays out). Deliberate choices: only F16, F32, I64 and I32 are decoded (the dtypes
 * of sentence-transformers checkpoints); every offset, size and shape is validated so a truncated or
 * corrupt file is a FineRouterError MODEL_INVALID, never an out-of-range read; data is copied into aligned
 * typed arrays (the header length makes the data section's alignment arbitrary).
 */
import { FineRouterError } from '../errors.js';

/** Decoded element types. */
export type SafetensorsDtype = 'F16' | 'F32' | 'I64' | 'I32';

/** One tensor: F16 as Uint16Array bit patterns, F32 Float32Array, I64 BigInt64Array, I32 Int32Array. */
export interface SafetensorsTensor {
  readonly dtype: SafetensorsDtype;
  readonly shape: readonly number[];
  readonly data: Uint16Array | Float32Array | BigInt64Array | Int32Array;
}

const WIDTH: Readonly<Record<SafetensorsDtype, number>> = Object.freeze({ F16: 2, F32: 4, I64: 8, I32: 4 });
const LITTLE_ENDIAN_HOST = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;
const MAX_HEADER = 100 * 1024 * 1024;

function invalid(message: string): FineRouterError {
  return new FineRouterError('MODEL_INVALID', `safetensors: ${message}`);
}

/**
 * Parses a safetensors file.
 * @param bytes - The whole file.
 * @returns Tensors by name (insertion order of the header) and the `__metadata__` strings.
 * @throws FineRouterError MODEL_INVALID when the bytes are not a well-formed safetensors file or hold a
 *   dtype other than F16/F32/I64/I32.
 * @example
 * ```ts
 * const { tensors } = parseSafetensors(new Uint8Array(await readFile('model.safetensors')));
 * tensors.get('embeddings.word_embeddings.weight')?.shape; // [30522, 384]
 * ```
 */
export function parseSafetensors(bytes: Uint8Array): {
  tensors: Map<string, SafetensorsTensor>;
  metadata: Record<string, string>;
} {
  if (!(bytes instanceof Uint8Array)) {
    throw new TypeError(`parseSafetensors: expected a Uint8Array, received ${Object.prototype.toString.call(bytes)}`);
  }
  if (bytes.byteLength < 8) throw invalid(`file of ${bytes.byteLength} bytes is too short for a header`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = Number(view.getBigUint64(0, true));
  if (headerLength > MAX_HEADER || 8 + headerLength > bytes.byteLength) {
    throw invalid(`header length ${headerLength} does not fit a ${bytes.byteLength}-byte file`);
  }
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + headerLength)));
  } catch (e) {
    throw new FineRouterError('MODEL_INVALID', 'safetensors: the header is not valid JSON', { cause: e });
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header))
    throw invalid('the header is not a JSON object');
  const dataStart = 8 + headerLength;
  const dataLength = bytes.byteLength - dataStart;
  const tensors = new Map<string, SafetensorsTensor>();
  let metadata: Record<string, string> = {};
  for (const [name, entry] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      metadata = { ...(entry as Record<string, string>) };
      continue;
    }
    const e = entry as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (typeof e !== 'object' || e === null) throw invalid(`entry ${name} is not an object`);
    const dtype = e.dtype;
    if (typeof dtype !== 'string' || !(dtype in WIDTH))
      throw invalid(`tensor ${name} has unsupported dtype ${String(dtype)}`);
    const shape = e.shape;
    if (!Array.isArray(shape) || shape.some((d) => !Number.isSafeInteger(d) || d < 0))
      throw invalid(`tensor ${name} has a bad shape`);
    const offsets = e.data_offsets;
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isSafeInteger(o) && o >= 0)) {
      throw invalid(`tensor ${name} has bad data_offsets`);
    }
    const [begin, end] = offsets as [number, number];
    const width = WIDTH[dtype as SafetensorsDtype];
    const count = (shape as number[]).reduce((a, b) => a * b, 1);
    if (end < begin || end > dataLength || end - begin !== count * width) {
      throw invalid(
        `tensor ${name}: data_offsets [${begin}, ${end}] do not match shape [${shape.join(', ')}] × ${width} bytes within ${dataLength} data bytes`,
      );
    }
    const raw = bytes.slice(dataStart + begin, dataStart + end);
    if (!LITTLE_ENDIAN_HOST && width > 1) raw.reverse(); // whole-buffer reverse, then reverse element order back
    let data: SafetensorsTensor['data'];
    switch (dtype as SafetensorsDtype) {
      case 'F16':
        data = new Uint16Array(raw.buffer);
        break;
      case 'F32':
        data = new Float32Array(raw.buffer);
        break;
      case 'I64':
        data = new BigInt64Array(raw.buffer);
        break;
      case 'I32':
        data = new Int32Array(raw.buffer);
        break;
    }
    if (!LITTLE_ENDIAN_HOST && width > 1) data.reverse();
    tensors.set(name, { dtype: dtype as SafetensorsDtype, shape: Array.from(shape as number[]), data });
  }
  return { tensors, metadata };
}
