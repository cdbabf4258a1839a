/**
 * The one error class of the router and the adapters (STYLE: "Options, docs, errors").
 * Pure functions throw TypeError / RangeError instead. Tests assert `code`, never message text.
 */
export type FineRouterErrorCode =
  | 'RUNTIME_MISSING'
  | 'PROVIDER_UNAVAILABLE'
  | 'MODEL_INVALID'
  | 'TOKENIZER_INVALID'
  | 'ARTIFACT_MISSING'
  | 'ARTIFACT_UNEXPECTED'
  | 'ARTIFACT_CHECKSUM'
  | 'ARTIFACT_SCHEMA'
  | 'ARTIFACT_PATH'
  | 'ARTIFACT_INCOMPLETE'
  | 'ARTIFACT_LOCKED'
  | 'OUTPUT_INVALID'
  | 'OUTPUT_NOT_EMPTY'
  | 'DIMENSION_MISMATCH'
  | 'ENCODER_MISMATCH'
  | 'DISPOSED'
  | 'DATA_INVALID'
  | 'HTTP_ERROR'
  | 'ABORTED'
  | 'BUDGET_EXCEEDED'
  | 'UPSTREAM_FAILED'
  | 'INVALID_ARGUMENT'
  | 'POOL_INVALID';

/**
 * The error every finerouter function throws for bad input or a failed operation (pure numeric helpers throw
 * TypeError / RangeError instead). `code` says what went wrong; the message names the function, the value and
 * what was expected.
 *
 * @example
 * try {
 *   await loadFineRouter('artifacts');
 * } catch (error) {
 *   if (error instanceof FineRouterError && error.code === 'ARTIFACT_MISSING') console.error('train first');
 *   else throw error;
 * }
 */
export class FineRouterError extends Error {
  readonly code: FineRouterErrorCode;

  constructor(code: FineRouterErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'FineRouterError';
    this.code = code;
  }
}

/** Throws a FineRouterError with code 'ABORTED' when the signal has fired. */
export function throwIfAborted(signal: AbortSignal | undefined, where: string): void {
  if (signal?.aborted) {
    throw new FineRouterError('ABORTED', `${where}: aborted`, { cause: signal.reason });
  }
}
