/**
 * The CLI's one option layer: every command declares its flags once and parses them here, so names, errors and
 * exit codes are the same everywhere.
 *
 * - Usage errors (unknown flag — with a "did you mean" —, missing value, bad number, missing required flag)
 *   throw {@link UsageError} (a FineRouterError INVALID_ARGUMENT); `finerouter` exits 2 on them and 1 on any
 *   other error.
 * - Shared flags have one name and one meaning: `--cache DIR` / `--no-cache` (cache root, default
 *   `defaultCacheDir()`), `--json` (one JSON document on stdout), `--seed N`, `--threads N`.
 */
import { parseArgs } from 'node:util';
import { FineRouterError } from '../errors.js';

/** A command-line usage error: `finerouter` prints it with a pointer to `--help` and exits 2. */
export class UsageError extends FineRouterError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('INVALID_ARGUMENT', message, options);
    this.name = 'UsageError';
  }
}

/** One flag: a string value or a boolean switch. */
export interface FlagSpec {
  type: 'string' | 'boolean';
  /** One-letter alias. */
  short?: string;
  /** Whether the flag may repeat (values collected in an array). */
  multiple?: boolean;
}

/** The flags of a command, by long name without dashes. */
export type FlagSpecs = Record<string, FlagSpec>;

type ValueOf<S extends FlagSpec> = S['type'] extends 'boolean'
  ? S['multiple'] extends true
    ? boolean[]
    : boolean
  : S['multiple'] extends true
    ? string[]
    : string;

/** Parsed flags: each present flag's value, absent ones undefined. */
export type ParsedFlags<S extends FlagSpecs> = { [K in keyof S]?: ValueOf<S[K]> };

/** Flags every command that caches, reports or seeds spells the same way. */
export const COMMON_FLAGS = Object.freeze({
  cache: { type: 'string' },
  'no-cache': { type: 'boolean' },
  json: { type: 'boolean' },
  seed: { type: 'string' },
  threads: { type: 'string' },
} as const satisfies FlagSpecs);

/** Edit distance (insert, delete, substitute), for "did you mean". */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = up;
    }
  }
  return row[b.length]!;
}

/**
 * The known flag closest to `flag`, when it is close enough to be a typo (or a prefix).
 *
 * @param flag - the unknown flag without dashes.
 * @param known - known flag names.
 * @returns the suggestion, or undefined.
 * @example
 * suggestFlag('epoch', ['epochs', 'data']); // 'epochs'
 */
export function suggestFlag(flag: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const name of known) {
    const d = name.startsWith(flag) || flag.startsWith(name) ? 1 : distance(flag, name);
    if (d < bestDistance) {
      best = name;
      bestDistance = d;
    }
  }
  return bestDistance <= Math.max(1, Math.floor(flag.length / 3)) ? best : undefined;
}

/**
 * Parses a command's arguments against its declared flags.
 *
 * @param command - the subcommand name, for messages.
 * @param argv - the arguments after the subcommand.
 * @param flags - the declared flags.
 * @param options - `positionals: true` lets the command take positional arguments; `required` names flags that
 *   must be present.
 * @returns the flag values and the positionals.
 * @throws UsageError on an unknown flag (with a suggestion), a missing value, an unexpected positional or a
 *   missing required flag.
 * @example
 * const { values } = parseFlags('train', ['--data', 'x.jsonl'], { data: { type: 'string' } }, { required: ['data'] });
 */
export function parseFlags<S extends FlagSpecs>(
  command: string,
  argv: readonly string[],
  flags: S,
  options: { positionals?: boolean; required?: readonly (keyof S & string)[] } = {},
): { values: ParsedFlags<S>; positionals: string[] } {
  let parsed: { values: Record<string, unknown>; positionals: string[] };
  try {
    parsed = parseArgs({
      args: [...argv],
      options: flags as unknown as NonNullable<Parameters<typeof parseArgs>[0]>['options'],
      strict: true,
      allowPositionals: options.positionals ?? false,
    }) as { values: Record<string, unknown>; positionals: string[] };
  } catch (error) {
    throw usageErrorFrom(command, error, Object.keys(flags));
  }
  for (const name of options.required ?? []) {
    if (parsed.values[name] === undefined) {
      const all = (options.required ?? []).map((r) => `--${r}`).join(' and ');
      throw new UsageError(`${command}: ${all} ${(options.required ?? []).length > 1 ? 'are' : 'is'} required`);
    }
  }
  return { values: parsed.values as ParsedFlags<S>, positionals: parsed.positionals };
}

function usageErrorFrom(command: string, error: unknown, known: readonly string[]): UsageError {
  const code = (error as { code?: string }).code;
  const message = error instanceof Error ? error.message : String(error);
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    const flag = /'(-{1,2}[^']*)'/.exec(message)?.[1] ?? '';
    const bare = flag.replace(/^-+/, '').split('=')[0]!;
    const suggestion = suggestFlag(bare, known);
    return new UsageError(
      `${command}: unknown option ${flag || message}${suggestion ? `; did you mean --${suggestion}?` : ''}`,
      { cause: error },
    );
  }
  if (code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') {
    const value = /'([^']*)'/.exec(message)?.[1];
    return new UsageError(
      `${command}: unexpected argument${value ? ` '${value}'` : ''} (this command takes flags only)`,
      { cause: error },
    );
  }
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    const flag = /'(-{1,2}[^' ]*)/.exec(message)?.[1];
    return new UsageError(`${command}: option ${flag ?? ''} needs a value`.replace(/ {2}/, ' '), { cause: error });
  }
  return new UsageError(`${command}: ${message}`, { cause: error });
}

/**
 * Parses `--flag value` as a number.
 *
 * @param command - the subcommand name, for the message.
 * @param flag - the flag without dashes.
 * @param value - the raw value, or undefined when the flag was not given.
 * @param expected - what a valid value is, in words ("an integer ≥ 1").
 * @param check - extra validity rule; the default accepts any finite number.
 * @returns the number, or undefined when the flag was not given.
 * @throws UsageError (FineRouterError INVALID_ARGUMENT) on an empty, non-numeric or rejected value.
 * @example numberFlag('train', 'epochs', '10', 'an integer ≥ 1', (x) => Number.isInteger(x) && x >= 1); // 10
 */
export function numberFlag(
  command: string,
  flag: string,
  value: string | undefined,
  expected = 'a number',
  check: (x: number) => boolean = Number.isFinite,
): number | undefined {
  if (value === undefined) return undefined;
  const x = Number(value);
  if (value.trim() === '' || Number.isNaN(x) || !check(x)) {
    throw new UsageError(`${command}: --${flag} expects ${expected}, received '${value}'`);
  }
  return x;
}

/**
 * Parses `--flag value` as one of a fixed set of words.
 *
 * @param command - the subcommand name, for the message.
 * @param flag - the flag without dashes.
 * @param value - the raw value, or undefined when the flag was not given.
 * @param choices - the accepted words.
 * @returns the word, or undefined when the flag was not given.
 * @throws UsageError when the value is not one of `choices`.
 * @example choiceFlag('discover', 'objective', 'cpm', ['cpm', 'modularity'] as const); // 'cpm'
 */
export function choiceFlag<const C extends readonly string[]>(
  command: string,
  flag: string,
  value: string | undefined,
  choices: C,
): C[number] | undefined {
  if (value === undefined) return undefined;
  if (!choices.includes(value)) {
    throw new UsageError(`${command}: --${flag} expects ${choices.join(', ')}, received '${value}'`);
  }
  return value;
}

/** `check` for integers ≥ `min`. */
export const integerAtLeast =
  (min: number) =>
  (x: number): boolean =>
    Number.isInteger(x) && x >= min;
