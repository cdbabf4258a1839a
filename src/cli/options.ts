/** Numeric command-line flags: one parser and one error shape (FineRouterError INVALID_ARGUMENT) for every command. */
import { FineRouterError } from '../errors.js';

/**
 * Parses `--flag value` as a number.
 *
 * @param command - the subcommand name, for the message.
 * @param flag - the flag without dashes.
 * @param value - the raw value, or undefined when the flag was not given.
 * @param expected - what a valid value is, in words ("an integer ≥ 1").
 * @param check - extra validity rule; the default accepts any finite number.
 * @returns the number, or undefined when the flag was not given.
 * @throws FineRouterError INVALID_ARGUMENT on an empty, non-numeric or rejected value.
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
    throw new FineRouterError('INVALID_ARGUMENT', `${command}: --${flag} expects ${expected}, received '${value}'`);
  }
  return x;
}

/** `check` for integers ≥ `min`. */
export const integerAtLeast = (min: number) => (x: number): boolean => Number.isInteger(x) && x >= min;
