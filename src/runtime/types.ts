/**
 * The small runtime interface the pure core depends on (STYLE: onnxruntime `js/common`, interface vs backend).
 * `finerouter/node` and `finerouter/web` implement it over onnxruntime-node / onnxruntime-web;
 * unit tests implement it with fakes. Nothing under src/ except src/adapters imports a runtime.
 */

/** Element types the library exchanges with a runtime. */
export type TensorType = 'float32' | 'int64' | 'int32' | 'bool';

/** Typed-array storage matching each {@link TensorType}. */
export interface TensorDataMap {
  float32: Float32Array;
  int64: BigInt64Array;
  int32: Int32Array;
  bool: Uint8Array;
}

/** A dense row-major tensor. */
export interface RuntimeTensor<T extends TensorType = TensorType> {
  readonly type: T;
  readonly data: TensorDataMap[T];
  readonly dims: readonly number[];
}

/** Options for creating a session. Runtimes ignore what they do not support and say so in their docs. */
export interface SessionOptions {
  /** Execution providers in order of preference, e.g. `['cuda', 'cpu']` or `['webgpu', 'wasm']`. */
  executionProviders?: readonly string[];
  /** Intra-op threads (onnxruntime-node). */
  intraOpNumThreads?: number;
}

/** One loaded ONNX graph. */
export interface RuntimeSession {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  /** Execution provider actually in use (after any fallback). */
  readonly executionProvider: string;
  run(feeds: Readonly<Record<string, RuntimeTensor>>): Promise<Record<string, RuntimeTensor>>;
  release(): Promise<void>;
}

/** A backend able to load ONNX model bytes into sessions. */
export interface OnnxRuntime {
  /** e.g. 'onnxruntime-node 1.30.0'. */
  readonly name: string;
  createSession(model: Uint8Array, options?: SessionOptions): Promise<RuntimeSession>;
}
