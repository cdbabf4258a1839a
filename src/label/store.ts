/**
 * The labelling store: an append-only log of paid-for work, so a killed or stopped run resumes
 * without paying twice and re-judging needs no new generation.
 *
 * Two kinds of entry, each under a content key:
 * - generation: key = sha256 of [prompt id, messages sent, pool id, upstream model, base URL,
 *   generation settings]; holds the answer, token usage, latency and the real cost.
 * - judgement: key = sha256 of [generation key, judge id, judge settings, reference, the reference
 *   model's generation key (pairwise)]; holds the score in [0, 1] and the judging cost.
 * Changing the prompt text, the upstream model or max_tokens makes new generation keys; changing only
 * the judge makes new judgement keys over the stored answers. Failures are not stored (a resumed run
 * retries them). When a key is appended twice (two runs racing), the first entry wins on read.
 *
 * Pure: the interface and an in-memory store; the file-backed store is src/adapters/node/label-store.ts.
 */
import { sha256Digest } from '../router/router.js';

/** A stored answer. */
export interface GenerationEntry {
  type: 'generation';
  key: string;
  promptId: string;
  model: string;
  answer: string;
  promptTokens: number;
  completionTokens: number;
  /** False when the server sent no usage (tokens estimated from characters). */
  usageReported: boolean;
  costUsd: number;
  latencyMs: number;
  attempts: number;
  finishReason?: string;
  /** ISO time of the answer. */
  at: string;
}

/** A stored verdict. */
export interface JudgementEntry {
  type: 'judgement';
  key: string;
  generationKey: string;
  promptId: string;
  model: string;
  judge: string;
  score: number;
  costUsd: number;
  detail?: string;
  at: string;
}

/** One line of a label store: a generation or a judgement. */
export type StoreEntry = GenerationEntry | JudgementEntry;

/** Where labelling work is kept (append-only). */
export interface LabelStore {
  /** The entry under `key`, if any (the first one appended). */
  get(key: string): StoreEntry | undefined;
  /** Appends one entry durably enough that a killed process keeps every entry whose append resolved. */
  append(entry: StoreEntry): Promise<void>;
  /** Number of entries. */
  readonly size: number;
}

/**
 * JSON with object keys sorted at every level (stable across key insertion order).
 *
 * @param value - JSON-compatible value (undefined properties are dropped).
 * @returns the canonical JSON text.
 * @example
 * stableStringify({ b: 1, a: [2, { d: 3, c: 4 }] }); // '{"a":[2,{"c":4,"d":3}],"b":1}'
 */
export function stableStringify(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : stableStringify(v))).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableStringify(v)}`).join(',')}}`;
}

const textEncoder = new TextEncoder();

/**
 * The store key of a value: sha256 hex of its stable JSON.
 *
 * @param parts - what identifies the work.
 * @returns 64 hex characters.
 * @example
 * await storeKey(['p1', 'gpt-4o', { maxTokens: 512 }]);
 */
export function storeKey(parts: unknown): Promise<string> {
  return sha256Digest(textEncoder.encode(stableStringify(parts)));
}

/**
 * Validates one parsed store line; used by file stores when reading back.
 *
 * @param value - parsed JSON.
 * @returns the entry, or undefined when it is not a valid entry.
 * @example
 * parseStoreEntry(JSON.parse(line));
 */
export function parseStoreEntry(value: unknown): StoreEntry | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as Record<string, unknown>;
  const str = (x: unknown): x is string => typeof x === 'string';
  const num = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x) && x >= 0;
  if (!str(v.key) || !str(v.promptId) || !str(v.model) || !str(v.at) || !num(v.costUsd)) return undefined;
  if (v.type === 'generation') {
    if (
      !str(v.answer) ||
      !num(v.promptTokens) ||
      !num(v.completionTokens) ||
      typeof v.usageReported !== 'boolean' ||
      !num(v.latencyMs) ||
      !num(v.attempts)
    )
      return undefined;
    return v as unknown as GenerationEntry;
  }
  if (v.type === 'judgement') {
    if (!str(v.generationKey) || !str(v.judge) || !num(v.score) || (v.score as number) > 1) return undefined;
    return v as unknown as JudgementEntry;
  }
  return undefined;
}

/**
 * An in-memory store (tests, or a library user who keeps entries elsewhere).
 *
 * @param entries - initial entries. @defaultValue []
 * @returns the store; `entries` lists everything appended, in order.
 * @example
 * const store = createMemoryStore();
 */
export function createMemoryStore(
  entries: readonly StoreEntry[] = [],
): LabelStore & { readonly entries: StoreEntry[] } {
  const list: StoreEntry[] = [];
  const byKey = new Map<string, StoreEntry>();
  const add = (entry: StoreEntry): void => {
    list.push(entry);
    if (!byKey.has(entry.key)) byKey.set(entry.key, entry);
  };
  for (const e of entries) add(e);
  return {
    entries: list,
    get: (key) => byKey.get(key),
    append(entry) {
      add(entry);
      return Promise.resolve();
    },
    get size() {
      return list.length;
    },
  };
}
