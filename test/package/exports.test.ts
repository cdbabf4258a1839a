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
  'ADAMW_DEFAULTS',
  'ALPHA_GRID',
  'AdamW',
  'CANDIDATE_DEFAULTS',
  'CLASSIFIER_DEFAULTS',
  'DESCRIPTION_INSTRUCTION',
  'DISCOVERY_DEFAULTS',
  'EarlyStopping',
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
  'MESSAGES_INPUT_DEFAULTS',
  'MLP_DEFAULTS',
  'MOE_DEFAULTS',
  'NEAREST_NEIGHBORS_DEFAULTS',
  'PROMPT_DESCRIBER_DEFAULTS',
  'PROMPT_GRAPH_DEFAULTS',
  'RBO_DEFAULTS',
  'SHRINKAGE_GRID',
  'SPLIT_DEFAULTS',
  'SUMMARY_INSTRUCTION',
  'TASKS_REPORT_DEFAULTS',
  'TASKS_SCHEMA',
  'TASKS_VERSION',
  'TOLERANCE_EPSILON',
  'TRAIN_ROUTER_DEFAULTS',
  'addModel',
  'aggregateAndSelect',
  'aiq',
  'alignDiscovery',
  'approximateKnn',
  'assertSafeArtifactPath',
  'assignTasks',
  'buildClassifierOnnx',
  'buildEvalTable',
  'buildGraph',
  'buildPromptGraph',
  'buildRouterOnnx',
  'classifierForward',
  'costQualityCurve',
  'costQualitySvg',
  'createRboKernel',
  'discoverTasks',
  'evaluateRouters',
  'evaluateSelection',
  'exactKnn',
  'expectedCalibrationError',
  'fineRouterSelect',
  'fitKnnRouter',
  'fitMlpRouter',
  'gatherRows',
  'hashUnit',
  'headroomCaptured',
  'hullQualityAt',
  'knnRecall',
  'leiden',
  'macroF1',
  'matmul',
  'matmulTransA',
  'matmulTransB',
  'meanModelCost',
  'medianCenters',
  'messageText',
  'minMaxNormalize',
  'modelCosts',
  'modelMeans',
  'modelsOf',
  'modularity',
  'mulberry32',
  'nearestCenter',
  'nearestNeighbors',
  'nonDecreasingHull',
  'oracleScores',
  'parseEdgeList',
  'parsePrices',
  'parseRoutingLine',
  'poolOf',
  'promptDescriber',
  'qualityBarsSvg',
  'randomScores',
  'rankBiasedOverlap',
  'rankingFromScores',
  'rankingIndices',
  'readClassifierOnnx',
  'readRouterOnnx',
  'reciprocalRankFusion',
  'reportMarkdown',
  'routedQuality',
  'routerForward',
  'routerInputFromMessages',
  'runArtifactHeads',
  'sampleIndices',
  'selectAggregation',
  'selectByScores',
  'selectCandidates',
  'selectThreshold',
  'sha256Digest',
  'singleModelScores',
  'splitRecords',
  'stage1Scores',
  'stage1Statistics',
  'tasksReportMarkdown',
  'toTasksFile',
  'trainAddedModel',
  'trainClassifier',
  'trainGeneral',
  'trainRouter',
  'trainTaskAdapters',
  'truncateText',
  'validateManifest',
  'validateRoutingRecord',
  'validateTasksFile',
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
