/** Types of bench/fake-upstream.mjs (used by the TypeScript tests). */
export interface FakeBehavior {
  /** Delay before answering, ms. */
  latencyMs?: number;
  /** Answer with this HTTP error status … */
  status?: number;
  /** … for this many requests (default: all). */
  times?: number;
  /** Wait this long before answering (timeouts, aborts). */
  hangMs?: number;
  /** Answer with finish_reason 'content_filter' and a refusal. */
  refusal?: boolean;
  /** Delay between stream chunks, ms. */
  chunkDelayMs?: number;
}

export interface FakeUpstreamRequest {
  model: string;
  body: Record<string, unknown> & {
    messages?: { role: string; content: unknown }[];
    stream?: boolean;
    tools?: unknown[];
  };
  headers: Record<string, string | string[] | undefined>;
  aborted: boolean;
  outcome: string;
}

export interface FakeUpstream {
  /** Base URL including /v1. */
  url: string;
  port: number;
  requests: FakeUpstreamRequest[];
  state: { readonly aborted: number };
  behave(model: string, behavior: FakeBehavior): void;
  reset(): void;
  close(): Promise<void>;
}

export function startFakeUpstream(options?: {
  port?: number;
  latencyMs?: number;
  chunkDelayMs?: number;
  models?: string[];
}): Promise<FakeUpstream>;
