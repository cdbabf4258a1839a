/**
 * Rank fusion (FineRouter Eq. 4, mean reciprocal rank) and coverage-based candidate selection
 * (FineRouter Sect. 3.1.1, δ = 0.8).
 */
export { CANDIDATE_DEFAULTS, FUSION_DEFAULTS, reciprocalRankFusion, selectCandidates } from './fusion.js';
export type { CandidateSelection, FusedItem, ReciprocalRankFusionOptions, SelectCandidatesOptions } from './fusion.js';
