import { describe, expect, it } from 'vitest';
import * as core from '../../src/index.js';

/**
 * The public runtime exports of "finerouter" (the pure core, src/index.ts), sorted with the default
 * JavaScript sort (code units: upper case first). Types are erased at runtime and not listed.
 *
 * Adding or removing an export is an API change. When you make one on purpose, update this list:
 * run `npx vitest run test/package/exports.test.ts`, copy the "received" array from the failure
 * message into EXPECTED_EXPORTS below, and mention the change in your commit message.
 */
const EXPECTED_EXPORTS = [
  'CANDIDATE_DEFAULTS',
  'DESCRIPTION_INSTRUCTION',
  'DISCOVERY_DEFAULTS',
  'FINE_ROUTER_DEFAULTS',
  'FLAT_NORMALIZED_VALUE',
  'FUSION_DEFAULTS',
  'FineRouter',
  'FineRouterError',
  'GRAPH_NAMES',
  'KNN_DEFAULTS',
  'LEIDEN_DEFAULTS',
  'MANIFEST_SCHEMA',
  'MANIFEST_VERSION',
  'MLP_DEFAULTS',
  'PROMPT_DESCRIBER_DEFAULTS',
  'RBO_DEFAULTS',
  'SPLIT_DEFAULTS',
  'SUMMARY_INSTRUCTION',
  'TASKS_SCHEMA',
  'TASKS_VERSION',
  'TOLERANCE_EPSILON',
  'aggregateAndSelect',
  'aiq',
  'alignDiscovery',
  'assertSafeArtifactPath',
  'buildEvalTable',
  'buildGraph',
  'costQualityCurve',
  'costQualitySvg',
  'createRboKernel',
  'evaluateRouters',
  'evaluateSelection',
  'expectedCalibrationError',
  'fineRouterSelect',
  'fitKnnRouter',
  'fitMlpRouter',
  'gatherRows',
  'hashUnit',
  'headroomCaptured',
  'hullQualityAt',
  'leiden',
  'macroF1',
  'meanModelCost',
  'medianCenters',
  'minMaxNormalize',
  'modelMeans',
  'modelsOf',
  'modularity',
  'mulberry32',
  'nearestCenter',
  'nonDecreasingHull',
  'oracleScores',
  'parseEdgeList',
  'parseRoutingLine',
  'poolOf',
  'promptDescriber',
  'qualityBarsSvg',
  'randomScores',
  'rankBiasedOverlap',
  'rankingFromScores',
  'rankingIndices',
  'reciprocalRankFusion',
  'reportMarkdown',
  'runArtifactHeads',
  'sampleIndices',
  'selectByScores',
  'selectCandidates',
  'sha256Digest',
  'singleModelScores',
  'splitRecords',
  'stage1Scores',
  'truncateText',
  'validateManifest',
  'validateRoutingRecord',
];

describe('public exports of "finerouter"', () => {
  it('match the locked, sorted list (update EXPECTED_EXPORTS in this file on purpose)', () => {
    const actual = Object.keys(core).sort();
    const added = actual.filter((name) => !EXPECTED_EXPORTS.includes(name));
    const removed = EXPECTED_EXPORTS.filter((name) => !actual.includes(name));
    expect(
      actual,
      `public exports changed (added: ${JSON.stringify(added)}, removed: ${JSON.stringify(removed)}). ` +
        'If intended, replace EXPECTED_EXPORTS in test/package/exports.test.ts with:\n' +
        JSON.stringify(actual, null, 2),
    ).toEqual(EXPECTED_EXPORTS);
  });

  it('keeps the locked list itself sorted and free of duplicates', () => {
    expect(EXPECTED_EXPORTS).toEqual([...new Set(EXPECTED_EXPORTS)].sort());
  });

  it('uses full-word camelCase or CONSTANT_CASE names', () => {
    for (const name of EXPECTED_EXPORTS) expect(name).toMatch(/^(?:[a-z][a-zA-Z0-9]*|[A-Z][a-zA-Z0-9]*|[A-Z][A-Z0-9_]*)$/);
  });
});
