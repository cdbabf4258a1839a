/**
 * Reads a model-pool file (src/pool/schema.ts) from disk: JSON, validated by the pure `validatePool`.
 * Node only (fs).
 */
import { readFile } from 'node:fs/promises';
import { FineRouterError } from '../../errors.js';
import { validatePool, type ModelPool } from '../../pool/schema.js';

/**
 * Reads and validates a pool file.
 *
 * @param path - path of the JSON pool file.
 * @returns the validated pool.
 * @throws FineRouterError 'POOL_INVALID' when the file cannot be read, is not JSON, or breaks the schema
 *   (the message names the file and the field).
 * @example
 * const pool = await readPoolFile('pool.json');
 * Object.keys(pool.models); // ['gpt-4o-mini', 'llama-3.1-8b']
 */
export async function readPoolFile(path: string): Promise<ModelPool> {
  if (typeof path !== 'string' || path.length === 0)
    throw new FineRouterError('INVALID_ARGUMENT', `readPoolFile: expected a file path, received ${String(path)}`);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new FineRouterError('POOL_INVALID', `${path}: cannot read the pool file (${(error as Error).message})`, {
      cause: error,
    });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new FineRouterError('POOL_INVALID', `${path}: not valid JSON (${(error as Error).message})`, {
      cause: error,
    });
  }
  return validatePool(json, path);
}
