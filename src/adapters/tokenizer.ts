/**
 * Loads a Hugging Face tokenizer.json through @huggingface/tokenizers (pure JS; works in Node and in
 * browsers) and adapts it to the encoder's {@link TokenizerLike}. Shared by finerouter/node and
 * finerouter/web. Truncation and padding are ours (src/encoder/tokenize.ts): the library's `encode()`
 * ignores tokenizer.json's truncation/padding sections.
 */
import { Tokenizer } from '@huggingface/tokenizers';
import { FineRouterError } from '../errors.js';
import type { TokenizerLike } from '../encoder/tokenize.js';

/** A loaded tokenizer plus the facts the encoder checks against the model. */
export interface LoadedTokenizer extends TokenizerLike {
  /** One more than the largest token id the tokenizer can emit. */
  readonly vocabSize: number;
  /** Id of the padding token (tokenizer.json padding.pad_id, else [PAD]/<pad>, else 0). */
  readonly padId: number;
}

/**
 * Parses tokenizer.json text or bytes into a tokenizer.
 * @param source - tokenizer.json as a string, bytes, or an already parsed object.
 * @returns The tokenizer.
 * @throws FineRouterError TOKENIZER_INVALID when the JSON is malformed or not a tokenizer definition.
 * @example
 * ```ts
 * const tokenizer = loadTokenizerJson(await readFile('tokenizer.json', 'utf8'));
 * tokenizer.encodeIds('hello', true); // [101, 7592, 102]
 * ```
 */
export function loadTokenizerJson(source: string | Uint8Array | object): LoadedTokenizer {
  let json: unknown = source;
  try {
    if (source instanceof Uint8Array) json = JSON.parse(new TextDecoder().decode(source));
    else if (typeof source === 'string') json = JSON.parse(source);
  } catch (e) {
    throw new FineRouterError('TOKENIZER_INVALID', 'tokenizer.json is not valid JSON', { cause: e });
  }
  const def = json as {
    model?: { vocab?: unknown; type?: string };
    added_tokens?: { id: number; content: string }[];
    padding?: { pad_id?: number } | null;
  };
  if (
    def === null ||
    typeof def !== 'object' ||
    def.model === undefined ||
    typeof def.model !== 'object' ||
    def.model.vocab === undefined
  ) {
    throw new FineRouterError(
      'TOKENIZER_INVALID',
      'tokenizer.json has no model.vocab; expected a Hugging Face tokenizers definition',
    );
  }
  let tokenizer: Tokenizer;
  try {
    tokenizer = new Tokenizer(def, {});
  } catch (e) {
    throw new FineRouterError(
      'TOKENIZER_INVALID',
      `tokenizer.json could not be loaded: ${e instanceof Error ? e.message : String(e)}`,
      { cause: e },
    );
  }
  let maxId = -1;
  const vocab = def.model.vocab;
  if (Array.isArray(vocab))
    maxId = vocab.length - 1; // Unigram: [piece, score][]
  else
    for (const v of Object.values(vocab as Record<string, number>)) if (typeof v === 'number' && v > maxId) maxId = v;
  for (const t of def.added_tokens ?? []) if (typeof t?.id === 'number' && t.id > maxId) maxId = t.id;
  const padId = def.padding?.pad_id ?? tokenizer.token_to_id('[PAD]') ?? tokenizer.token_to_id('<pad>') ?? 0;
  return {
    vocabSize: maxId + 1,
    padId,
    encodeIds(text: string, addSpecialTokens: boolean): readonly number[] {
      return tokenizer.encode(text, { add_special_tokens: addSpecialTokens }).ids;
    },
  };
}
