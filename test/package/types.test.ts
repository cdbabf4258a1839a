// Type tests of the public surface: checked by `npm run typecheck` (tsc over test/) and run as plain tests.
import { describe, expectTypeOf, it } from 'vitest';
import type { FineRouter, Manifest, RankedList, RouteResult, RoutingRecord } from '../../src/index.js';
import { rankBiasedOverlap, selectCandidates, validateManifest } from '../../src/index.js';
import type { BuildRouterOptions, BuildRouterResult, PipelineProgress, TrainRouterResult } from '../../src/train.js';
import { buildRouter } from '../../src/train.js';
import type { CachePaths } from '../../src/node.js';
import { cachePaths, cachedEmbedder, defaultCacheDir } from '../../src/node.js';
import { parseFlags } from '../../src/cli/options.js';

describe('public types', () => {
  it('ranking primitives accept strings or numbers and return numbers', () => {
    expectTypeOf(rankBiasedOverlap<string>)
      .parameter(0)
      .toEqualTypeOf<RankedList<string>>();
    expectTypeOf(rankBiasedOverlap(['a'], ['b']).ext).toEqualTypeOf<number>();
    expectTypeOf(selectCandidates([['a', 'b']]).candidates).toEqualTypeOf<('a' | 'b')[]>();
    expectTypeOf(selectCandidates([[1, 2]]).candidates).toMatchTypeOf<number[]>();
  });

  it('validateManifest narrows unknown JSON to a Manifest; route results carry the model id', () => {
    expectTypeOf(validateManifest).parameter(0).toEqualTypeOf<unknown>();
    expectTypeOf(validateManifest).returns.toEqualTypeOf<Manifest>();
    expectTypeOf<Awaited<ReturnType<FineRouter['route']>>>().toEqualTypeOf<RouteResult>();
    expectTypeOf<RouteResult['model']>().toEqualTypeOf<string>();
  });

  it('buildRouter takes records and an embedder and resolves to the training result', () => {
    expectTypeOf(buildRouter).parameter(0).toEqualTypeOf<readonly RoutingRecord[]>();
    expectTypeOf(buildRouter).parameter(1).toEqualTypeOf<BuildRouterOptions>();
    expectTypeOf(buildRouter).returns.resolves.toEqualTypeOf<BuildRouterResult>();
    expectTypeOf<BuildRouterResult['training']>().toEqualTypeOf<TrainRouterResult>();
    expectTypeOf<PipelineProgress['step']>().toEqualTypeOf<'embed' | 'discover' | 'train' | 'write'>();
    expectTypeOf<BuildRouterOptions>().toHaveProperty('signal').toEqualTypeOf<AbortSignal | undefined>();
  });

  it('the Node cache helpers and the embedder fit the pipeline', () => {
    expectTypeOf(defaultCacheDir).returns.toEqualTypeOf<string>();
    expectTypeOf(cachePaths).returns.toEqualTypeOf<CachePaths>();
    expectTypeOf(cachedEmbedder).returns.toMatchTypeOf<BuildRouterOptions['embedder']>();
  });

  it('the CLI option layer infers flag value types from the declaration', () => {
    const { values } = parseFlags('x', [], {
      data: { type: 'string' },
      json: { type: 'boolean' },
      tag: { type: 'string', multiple: true },
    });
    expectTypeOf(values.data).toEqualTypeOf<string | undefined>();
    expectTypeOf(values.json).toEqualTypeOf<boolean | undefined>();
    expectTypeOf(values.tag).toEqualTypeOf<string[] | undefined>();
  });
});
