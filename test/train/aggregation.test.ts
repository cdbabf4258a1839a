import { describe, expect, it } from 'vitest';
import {
  ALPHA_GRID,
  routedQuality,
  selectAggregation,
  stage1Statistics,
  type RoutedQualityInput,
} from '../../src/train/aggregation.js';

// Three models, one task whose stage-1 prior ranks m0 > m1 > m2; the stage-2 rows disagree with the prior.
// Prompt 0: stage 2 [0, 0.8, 1] → final m0 = 1 − α, m1 = 0.5 + 0.3α, m2 = α: m1 wins for α in (0.385, 0.714).
// Prompt 1: stage 2 [0, 0.2, 1] → m0 = 1 − α, m1 = 0.5 − 0.3α, m2 = α: m2 wins for α > 0.5 (at 0.5 m0 ties m2 and wins by order).
// Truth: m1 on prompt 0, m2 on prompt 1 ⇒ only α ∈ {0.6, 0.7} route both right.
const handMade: RoutedQualityInput = {
  stage2: Float32Array.of(0, 0.8, 1, 0, 0.2, 1),
  task: Int32Array.of(0, 0),
  scores: Float32Array.of(0, 1, 0, 0, 0, 1),
  mask: Uint8Array.of(1, 1, 1, 1, 1, 1),
  stage1: [Float64Array.of(1, 0.5, 0), Float64Array.of(0.5, 0.5, 0.5)],
  costs: Float64Array.of(Number.NaN, Number.NaN, Number.NaN),
};

describe('stage1Statistics', () => {
  it('median is a majority vote on 0/1 scores, the mean keeps the success rate', () => {
    // 3 rows × 2 models: model 0 scores 1, 1, 0; model 1 scores 1, 0, 0; model 1 unobserved in row 2.
    const scores = Float32Array.of(1, 1, 1, 0, 0, 0);
    const mask = Uint8Array.of(1, 1, 1, 1, 1, 0);
    const [med] = stage1Statistics(scores, mask, 2, [[0, 1, 2]], 'median');
    const [mean] = stage1Statistics(scores, mask, 2, [[0, 1, 2]], 'mean');
    expect(Array.from(med!)).toEqual([1, 0.5]);
    expect(mean![0]).toBeCloseTo(2 / 3, 12);
    expect(mean![1]).toBeCloseTo(0.5, 12);
    // A group without observations of a model takes the fallback.
    const [empty] = stage1Statistics(scores, mask, 2, [[2]], 'mean', [0.25, 0.75]);
    expect(Array.from(empty!)).toEqual([0, 0.75]);
    // Shrinkage k pulls a group's mean toward the fallback: (Σ + k · fallback) / (count + k).
    const [shrunk] = stage1Statistics(scores, mask, 2, [[0, 1, 2]], 'mean', [0, 1], 3);
    expect(shrunk![0]).toBeCloseTo((2 + 0) / 6, 12);
    expect(shrunk![1]).toBeCloseTo((1 + 3) / 5, 12);
    expect(() => stage1Statistics(scores, mask, 2, [[0]], 'mean', undefined, -1)).toThrow(RangeError);
    expect(() => stage1Statistics(scores, mask, 2, [[3]], 'mean')).toThrow(RangeError);
    expect(() => stage1Statistics(scores, mask, 4, [[0]], 'mean')).toThrow(RangeError);
  });
});

describe('α selection on dev', () => {
  it('routedQuality follows Eq. 5 at each α', () => {
    expect(routedQuality(handMade, 0)).toBe(0); // prior only: m0 both times
    expect(routedQuality(handMade, 0.5)).toBe(0.5); // the paper's α: prompt 0 right, prompt 1 tie → m0
    expect(routedQuality(handMade, 0.6)).toBe(1);
    expect(routedQuality(handMade, 1)).toBe(0.5); // stage 2 only: m2 both times
    expect(() => routedQuality(handMade, 1.2)).toThrow(RangeError);
  });

  it('picks the known-best α, nearest 0.5 on ties, and reports the grid', () => {
    const choice = selectAggregation({ median: handMade });
    expect(choice.alpha).toBe(0.6);
    expect(choice.statistic).toBe('median');
    expect(choice.quality).toBe(1);
    expect(choice.alphas).toEqual([...ALPHA_GRID]);
    expect(choice.grid.median).toEqual([0, 0, 0, 0, 0.5, 0.5, 1, 1, 0.5, 0.5, 0.5]);
  });

  it('picks the statistic that routes better, the first listed on ties', () => {
    // With a flat prior (as a median over 0/1 ties gives) stage 2 alone decides and picks m2 twice; the graded prior
    // lets m1 win prompt 0.
    const flat = { ...handMade, stage1: [Float64Array.of(1, 1, 1), Float64Array.of(1, 1, 1)] };
    const choice = selectAggregation({ median: flat, mean: handMade }, [0.6]);
    expect(choice.statistic).toBe('mean');
    expect(choice.grid).toEqual({ median: [0.5], mean: [1] });
    expect(selectAggregation({ median: handMade, mean: handMade }, [0.6]).statistic).toBe('median');
  });
});
