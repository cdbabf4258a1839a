/**
 * Truncation and padding policy for sentence encoders, over any tokenizer that can encode a text with or
 * without its special tokens.
 *
 * Source: sentence-transformers `Transformer` module (truncate to `max_seq_length` word pieces with the
 * special tokens kept, i.e. "[CLS] first max−2 pieces [SEP]" for BERT) and Hugging Face tokenizers'
 * TemplateProcessing (where the special tokens go). @huggingface/tokenizers' `encode()` applies neither
 * tokenizer.json's truncation nor its padding, so this file does both.
 *
 * Deliberate choices:
 * - The special-token template is learned once by encoding a probe text with and without special tokens
 *   and locating the plain ids inside the decorated ones; any single-sequence template (BERT [CLS] x [SEP],
 *   RoBERTa <s> x </s>, an appended EOS) is then applied around the truncated body, so the closing token
 *   is always kept last.
 * - Very long texts are tokenized in growing prefixes cut at whitespace, so a 100,000-character prompt
 *   costs about as much as its first few thousand characters; the kept pieces equal those of tokenizing
 *   the whole text (a whitespace cut cannot change the pieces before it for whitespace-splitting
 *   pre-tokenizers such as BERT's); with no whitespace near the cut the whole text is tokenized.
 * Pure: no runtime, fs or network.
 */

/** The tokenizer operation this policy needs. */
export interface TokenizerLike {
  /** Token ids of a text, with or without the tokenizer's special tokens (e.g. [CLS] … [SEP]). */
  encodeIds(text: string, addSpecialTokens: boolean): readonly number[];
}

/** Options for {@link createTruncatingTokenizer}. */
export interface TruncationOptions {
  /**
   * Maximum sequence length in tokens, special tokens included.
   * @defaultValue 256
   */
  maxTokens?: number;
}

/** Defaults of {@link TruncationOptions}: 256 is all-MiniLM-L6-v2's sentence-transformers max_seq_length. */
export const TRUNCATION_DEFAULTS = Object.freeze({ maxTokens: 256 });

/** Characters per kept token tried in the first prefix of a long text (doubled until enough). */
const CHARS_PER_TOKEN_GUESS = 12;

/** A tokenizer with truncation: text → ids (special tokens included, at most maxTokens). */
export interface TruncatingTokenizer {
  readonly maxTokens: number;
  /** Ids of the special tokens placed before and after the body. */
  readonly prefix: readonly number[];
  readonly suffix: readonly number[];
  encode(text: string): Int32Array;
}

function findSub(haystack: readonly number[], needle: readonly number[]): number {
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

/** Index just after the last whitespace in (limit/2, limit], or -1 when there is none. */
function cutAtWhitespace(text: string, limit: number): number {
  for (let i = limit; i > limit / 2; i--) {
    const c = text.charCodeAt(i - 1);
    if (c === 32 || c === 10 || c === 9 || c === 13) return i;
  }
  return -1;
}

/**
 * Wraps a tokenizer with sentence-transformers truncation.
 * @param tokenizer - Encodes with and without special tokens.
 * @param options - See {@link TruncationOptions}.
 * @returns The truncating tokenizer.
 * @throws RangeError when maxTokens is not an integer greater than the number of special tokens;
 *   TypeError when the tokenizer's template cannot be located (it reorders or drops the text's ids).
 * @example
 * ```ts
 * const t = createTruncatingTokenizer(tokenizer, { maxTokens: 256 });
 * t.encode('This is an example sentence'); // Int32Array [101, 2023, 2003, 2019, 2742, 6251, 102]
 * ```
 */
export function createTruncatingTokenizer(
  tokenizer: TokenizerLike,
  options: TruncationOptions = {},
): TruncatingTokenizer {
  const maxTokens = options.maxTokens ?? TRUNCATION_DEFAULTS.maxTokens;
  const probe = 'hello world';
  const plain = tokenizer.encodeIds(probe, false);
  const decorated = tokenizer.encodeIds(probe, true);
  const at = plain.length === 0 ? -1 : findSub(decorated, plain);
  if (at < 0) {
    throw new TypeError(
      "createTruncatingTokenizer: expected the tokenizer to keep a text's ids contiguous between its special tokens, received a reordering template",
    );
  }
  const prefix = decorated.slice(0, at);
  const suffix = decorated.slice(at + plain.length);
  const budget = maxTokens - prefix.length - suffix.length;
  if (!Number.isInteger(maxTokens) || budget < 1) {
    throw new RangeError(
      `createTruncatingTokenizer: expected maxTokens as an integer above ${prefix.length + suffix.length} special tokens, received ${maxTokens}`,
    );
  }
  const body = (text: string): readonly number[] => {
    let limit = budget * CHARS_PER_TOKEN_GUESS;
    while (limit < text.length) {
      const cut = cutAtWhitespace(text, limit);
      if (cut < 0) break; // no safe cut point: tokenize the whole text
      const ids = tokenizer.encodeIds(text.slice(0, cut), false);
      // More pieces than the budget: the ones we keep are unaffected by the cut.
      if (ids.length > budget) return ids;
      limit *= 4;
    }
    return tokenizer.encodeIds(text, false);
  };
  return {
    maxTokens,
    prefix,
    suffix,
    encode(text: string): Int32Array {
      const ids = body(text);
      const kept = Math.min(ids.length, budget);
      const out = new Int32Array(prefix.length + kept + suffix.length);
      out.set(prefix, 0);
      for (let i = 0; i < kept; i++) out[prefix.length + i] = ids[i]!;
      out.set(suffix, prefix.length + kept);
      return out;
    },
  };
}

/** A padded batch ready for a runtime: row-major [rows, length] int64 ids and mask. */
export interface PaddedBatch {
  readonly rows: number;
  readonly length: number;
  readonly inputIds: BigInt64Array;
  readonly attentionMask: BigInt64Array;
}

/**
 * Right-pads token id sequences to the longest one.
 * @param sequences - Token ids per row (at least one row, each non-empty).
 * @param padId - Id written into padded positions (their mask is 0).
 * @returns The padded batch.
 * @throws RangeError on an empty batch or an empty row.
 * @example padBatch([Int32Array.of(101, 7, 102), Int32Array.of(101, 102)], 0).attentionMask // [1,1,1, 1,1,0]
 */
export function padBatch(sequences: readonly Int32Array[], padId: number): PaddedBatch {
  if (sequences.length === 0) throw new RangeError('padBatch: expected at least one sequence, received 0');
  let length = 0;
  for (const s of sequences) {
    if (s.length === 0) throw new RangeError('padBatch: expected non-empty sequences, received an empty one');
    if (s.length > length) length = s.length;
  }
  const rows = sequences.length;
  const inputIds = new BigInt64Array(rows * length).fill(BigInt(padId));
  const attentionMask = new BigInt64Array(rows * length);
  for (let r = 0; r < rows; r++) {
    const s = sequences[r]!;
    const base = r * length;
    for (let i = 0; i < s.length; i++) {
      inputIds[base + i] = BigInt(s[i]!);
      attentionMask[base + i] = 1n;
    }
  }
  return { rows, length, inputIds, attentionMask };
}
