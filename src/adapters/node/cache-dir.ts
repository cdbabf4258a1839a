/**
 * The one place finerouter caches files on disk (the built MiniLM .onnx, prompt embeddings, LLM
 * descriptions): `$FINEROUTER_CACHE_DIR`, else `$XDG_CACHE_HOME/finerouter`, else `~/.cache/finerouter`
 * (the XDG base directory convention). Every command takes `--cache DIR` to use another root and
 * `--no-cache` to keep everything in memory.
 */
import { homedir } from 'node:os';
import { join } from 'node:path';

/** Environment variables read by {@link defaultCacheDir}. */
export interface CacheEnvironment {
  FINEROUTER_CACHE_DIR?: string | undefined;
  XDG_CACHE_HOME?: string | undefined;
}

/**
 * The default cache root.
 *
 * @param env - the environment to read; defaults to `process.env`.
 * @returns `$FINEROUTER_CACHE_DIR`, else `$XDG_CACHE_HOME/finerouter`, else `~/.cache/finerouter`.
 * @example
 * defaultCacheDir({ XDG_CACHE_HOME: '/tmp/c' }); // '/tmp/c/finerouter'
 */
export function defaultCacheDir(env: CacheEnvironment = process.env): string {
  if (env.FINEROUTER_CACHE_DIR) return env.FINEROUTER_CACHE_DIR;
  if (env.XDG_CACHE_HOME) return join(env.XDG_CACHE_HOME, 'finerouter');
  return join(homedir(), '.cache', 'finerouter');
}

/** The folders under a cache root. */
export interface CachePaths {
  /** Built encoder graphs (`loadMiniLmEncoder` cacheDir). */
  encoder: string;
  /** Prompt embeddings (`embedTextsCached` cacheDir). */
  embeddings: string;
  /** LLM descriptions (`createFileDescriptionCache`). */
  descriptions: string;
}

/**
 * The folders under a cache root (default {@link defaultCacheDir}).
 *
 * @param root - cache root.
 * @returns encoder, embeddings and descriptions folders.
 * @example
 * cachePaths('/tmp/c').embeddings; // '/tmp/c/embeddings'
 */
export function cachePaths(root: string = defaultCacheDir()): CachePaths {
  return {
    encoder: join(root, 'minilm'),
    embeddings: join(root, 'embeddings'),
    descriptions: join(root, 'descriptions'),
  };
}
