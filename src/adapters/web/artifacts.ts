/**
 * `loadFineRouter(source)` for the browser (and any runtime with `fetch`): fetches manifest.json and the
 * graphs from a base URL or from an explicit { manifest, files } map of URLs, runs every check of
 * src/router/load.ts before the first route, and builds a {@link FineRouter}.
 *
 * - Base URL: files are fetched at `new URL(path, base)`; `base` gets a trailing '/' when it has none, and
 *   manifest paths are validated (ARTIFACT_PATH) so they stay under it. A base URL cannot be listed, so the
 *   ARTIFACT_UNEXPECTED check applies only to the map form.
 * - Map form: `files` must hold exactly the files listed in manifest.json (ARTIFACT_MISSING /
 *   ARTIFACT_UNEXPECTED; keys starting with '.' are ignored).
 * - HTTP 404/410 → ARTIFACT_MISSING; other non-2xx or network failures → HTTP_ERROR.
 * - The encoder must be passed in (`options.encoder`, e.g. the web MiniLM loader of finerouter/web): a
 *   browser app decides where the encoder weights come from. The runtime defaults to createWebRuntime().
 */
import { FineRouterError } from '../../errors.js';
import type { Encoder } from '../../encoder/types.js';
import type { OnnxRuntime } from '../../runtime/types.js';
import {
  checkArtifactListing,
  createFromVerified,
  MANIFEST_FILE,
  parseManifest,
  verifyArtifactChecksums,
} from '../../router/load.js';
import type { LoadFineRouterCommonOptions } from '../../router/load.js';
import type { FineRouter } from '../../router/router.js';
import { createWebRuntime } from './runtime.js';

/** Explicit URLs of each artifact file. */
export interface ArtifactUrlMap {
  /** URL of manifest.json. */
  manifest: string | URL;
  /** Relative artifact path (as in manifest.files) → URL. */
  files: Readonly<Record<string, string | URL>>;
}

/** Options of {@link loadFineRouter} (web). */
export interface LoadFineRouterWebOptions extends LoadFineRouterCommonOptions {
  /** Runtime for the heads. @defaultValue createWebRuntime({ executionProviders }) */
  runtime?: OnnxRuntime;
  /** Sentence encoder, e.g. from the web MiniLM loader. */
  encoder: Encoder;
  /** fetch implementation. @defaultValue globalThis.fetch */
  fetch?: typeof fetch;
  /** Aborts the downloads. */
  signal?: AbortSignal;
}

async function download(fetcher: typeof fetch, url: URL, signal: AbortSignal | undefined): Promise<Uint8Array> {
  let response: Response;
  try {
    response = await fetcher(url, signal ? { signal } : {});
  } catch (cause) {
    if (signal?.aborted)
      throw new FineRouterError('ABORTED', `loadFineRouter: aborted while fetching ${url.href}`, { cause });
    throw new FineRouterError(
      'HTTP_ERROR',
      `loadFineRouter: fetching ${url.href} failed: ${cause instanceof Error ? cause.message : String(cause)}`,
      { cause },
    );
  }
  if (response.status === 404 || response.status === 410) {
    throw new FineRouterError('ARTIFACT_MISSING', `loadFineRouter: ${url.href} answered ${response.status}`);
  }
  if (!response.ok)
    throw new FineRouterError(
      'HTTP_ERROR',
      `loadFineRouter: ${url.href} answered ${response.status} ${response.statusText}`,
    );
  return new Uint8Array(await response.arrayBuffer());
}

function toUrl(value: string | URL, base: string | undefined, where: string): URL {
  try {
    return base === undefined ? new URL(value) : new URL(value, base);
  } catch (cause) {
    throw new FineRouterError('INVALID_ARGUMENT', `loadFineRouter: ${where}: not a URL: ${String(value)}`, { cause });
  }
}

/**
 * Loads a trained FineRouter from URLs.
 *
 * @param source - base URL of the artifact directory, or an {@link ArtifactUrlMap}.
 * @param options - the encoder (required) and more, see {@link LoadFineRouterWebOptions}.
 * @returns a ready router.
 * @throws FineRouterError ARTIFACT_MISSING, ARTIFACT_UNEXPECTED, ARTIFACT_SCHEMA, ARTIFACT_PATH, ARTIFACT_CHECKSUM,
 *   HTTP_ERROR, ABORTED, DIMENSION_MISMATCH, ENCODER_MISMATCH, MODEL_INVALID, INVALID_ARGUMENT.
 * @example
 * import { loadFineRouter, loadMiniLmEncoder } from 'finerouter/web';
 * const router = await loadFineRouter('/artifacts/', { encoder });
 */
export async function loadFineRouter(
  source: string | URL | ArtifactUrlMap,
  options: LoadFineRouterWebOptions,
): Promise<FineRouter> {
  if (!options || !options.encoder) {
    throw new FineRouterError(
      'INVALID_ARGUMENT',
      "loadFineRouter (web): pass { encoder }, e.g. the web MiniLM encoder (loadMiniLmEncoder from 'finerouter/web')",
    );
  }
  const fetcher = options.fetch ?? globalThis.fetch;
  if (typeof fetcher !== 'function')
    throw new FineRouterError('RUNTIME_MISSING', 'loadFineRouter (web): no fetch available; pass options.fetch');
  const fallbackBase = typeof location === 'undefined' ? undefined : location.href;
  let manifestUrl: URL;
  let resolveFile: (file: string) => URL | undefined;
  let listing: string[] | undefined;
  let where: string;
  if (typeof source === 'string' || source instanceof URL) {
    const base = toUrl(source, fallbackBase, 'base URL');
    if (!base.pathname.endsWith('/')) base.pathname += '/';
    where = base.href;
    manifestUrl = new URL(MANIFEST_FILE, base);
    resolveFile = (file) => new URL(file, base);
  } else if (source && typeof source === 'object' && source.files && typeof source.files === 'object') {
    manifestUrl = toUrl(source.manifest, fallbackBase, 'manifest URL');
    where = manifestUrl.href;
    const map = source.files;
    listing = Object.keys(map);
    resolveFile = (file) =>
      Object.hasOwn(map, file) ? toUrl(map[file]!, manifestUrl.href, `files[${file}]`) : undefined;
  } else {
    throw new FineRouterError('INVALID_ARGUMENT', 'loadFineRouter (web): expected a base URL or { manifest, files }');
  }

  const manifestText = new TextDecoder().decode(await download(fetcher, manifestUrl, options.signal));
  const manifest = parseManifest(manifestText, manifestUrl.href);
  if (listing) checkArtifactListing(manifest, listing, where);
  const bytes: Record<string, Uint8Array> = {};
  await Promise.all(
    Object.keys(manifest.files).map(async (file) => {
      const url = resolveFile(file);
      if (!url) throw new FineRouterError('ARTIFACT_MISSING', `loadFineRouter: no URL given for ${file}`);
      bytes[file] = await download(fetcher, url, options.signal);
    }),
  );
  await verifyArtifactChecksums(manifest, bytes, where);
  const runtime =
    options.runtime ??
    createWebRuntime(
      options.executionProviders !== undefined ? { executionProviders: options.executionProviders } : {},
    );
  return createFromVerified(manifest, bytes, runtime, options.encoder, false, options);
}
