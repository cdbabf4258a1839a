// Leiden community detection (Traag, Waltman & van Eck 2019) on a CSR graph. Re-exports only.
export { buildGraph } from './graph.js';
export type { CsrGraph, GraphInput } from './graph.js';
export { leiden, LEIDEN_DEFAULTS } from './leiden.js';
export type { LeidenOptions, LeidenResult, LeidenIterationInfo } from './leiden.js';
export { modularity } from './quality.js';
export type { ModularityOptions } from './quality.js';
export { parseEdgeList } from './edgelist.js';
export type { EdgeList } from './edgelist.js';
