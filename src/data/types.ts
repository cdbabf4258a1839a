/**
 * One line of routing JSONL (the format of ../shared/data/*\/routing.jsonl):
 * a prompt with the observed quality of each model on it. A model absent from `scores` has no result
 * for that prompt (not a zero).
 */
export interface RoutingRecord {
  id: string;
  prompt: string;
  /** model id → quality in [0, 1] (finite). */
  scores: Record<string, number>;
  /** model id → USD for this prompt, where known. */
  costs?: Record<string, number>;
  source?: string;
  split?: string;
  /** A task description written earlier (e.g. by an LLM describer). */
  description?: string;
}
