import { describe, expect, it } from 'vitest';
import * as core from '../../src/index.js';
import * as train from '../../src/train.js';
import * as evaluation from '../../src/eval.js';
import * as node from '../../src/node.js';
import * as web from '../../src/web.js';
import * as label from '../../src/label.js';

/**
 * The public runtime exports of every entry point in package.json "exports", sorted with the default
 * JavaScript sort (code units: upper case first). Types are erased at runtime and not listed.
 *
 * Adding or removing an export is an API change: add a line to CHANGELOG.md. When you make one on purpose,
 * run `npx vitest run test/package/exports.test.ts`, copy the "received" array from the failure message into
 * EXPECTED below, and mention the change in your commit message. Kernels, optimizers, forward passes and helpers
 * stay internal (src/internal.ts serves the benchmarks, outside the exports map).
 */
type Entry =
  'finerouter' | 'finerouter/train' | 'finerouter/eval' | 'finerouter/node' | 'finerouter/web' | 'finerouter/label';

const EXPECTED: Record<Entry, readonly string[]> = {
  finerouter: [
    'CANDIDATE_DEFAULTS',
    'FINE_ROUTER_DEFAULTS',
    'FUSION_DEFAULTS',
    'FineRouter',
    'FineRouterError',
    'LEIDEN_DEFAULTS',
    'MANIFEST_SCHEMA',
    'MANIFEST_VERSION',
    'MESSAGES_INPUT_DEFAULTS',
    'RBO_DEFAULTS',
    'buildGraph',
    'createRboKernel',
    'leiden',
    'messageText',
    'modularity',
    'parseEdgeList',
    'parseRoutingLine',
    'rankBiasedOverlap',
    'rankingFromScores',
    'reciprocalRankFusion',
    'routerInputFromMessages',
    'selectCandidates',
    'validateManifest',
    'validateRoutingRecord',
  ],
  'finerouter/train': [
    'ALPHA_GRID',
    'BUILD_ROUTER_DEFAULTS',
    'CLASSIFIER_DEFAULTS',
    'DESCRIPTION_INSTRUCTION',
    'DISCOVERY_DEFAULTS',
    'MOE_DEFAULTS',
    'NEAREST_NEIGHBORS_DEFAULTS',
    'PROMPT_DESCRIBER_DEFAULTS',
    'PROMPT_GRAPH_DEFAULTS',
    'SHRINKAGE_GRID',
    'SUMMARY_INSTRUCTION',
    'TASKS_REPORT_DEFAULTS',
    'TASKS_SCHEMA',
    'TASKS_VERSION',
    'TRAIN_ROUTER_DEFAULTS',
    'addModel',
    'buildPromptGraph',
    'buildRouter',
    'compareWithReferences',
    'discoverStep',
    'discoverTasks',
    'discoveryFromTasksFile',
    'embedRecords',
    'modelCosts',
    'nearestNeighbors',
    'parsePrices',
    'promptDescriber',
    'tasksReportMarkdown',
    'toTasksFile',
    'trainRouter',
    'trainStep',
    'validateTasksFile',
  ],
  'finerouter/eval': [
    'KNN_CV_DEFAULTS',
    'KNN_DEFAULTS',
    'MLP_DEFAULTS',
    'SPLIT_DEFAULTS',
    'aiq',
    'bestSingleMethod',
    'buildEvalTable',
    'costQualityCurve',
    'costQualitySvg',
    'costToReach',
    'crossValMarkdown',
    'crossValidate',
    'evaluateRouters',
    'evaluateSelection',
    'expectedCalibrationError',
    'fineRouterMethods',
    'fitKnnBaseline',
    'fitMlpBaseline',
    'headroomCaptured',
    'hullQualityAt',
    'knnMethod',
    'macroF1',
    'meanModelCost',
    'mlpMethod',
    'modelMeans',
    'nonDecreasingHull',
    'oracleScores',
    'perSourceOracleMethod',
    'pgrCurve',
    'poolOf',
    'qualityBarsSvg',
    'randomMethod',
    'randomScores',
    'reportMarkdown',
    'sampleIndices',
    'selectByScores',
    'singleModelScores',
    'splitRecords',
    'stratifiedFolds',
    'strongOrder',
    'summarizeCrossVal',
    'zeroRouterQuality',
  ],
  // 'finerouter/node' and 'finerouter/web' also re-export everything of 'finerouter' (checked below).
  'finerouter/node': [
    'ENCODER_POOL_DEFAULTS',
    'MINILM_DEFAULTS',
    'NODE_RUNTIME_DEFAULTS',
    'OPENAI_DESCRIBER_DEFAULTS',
    'READ_ROUTING_JSONL_DEFAULTS',
    'buildMiniLmOnnx',
    'cachePaths',
    'cachedEmbedder',
    'checkArtifactOutput',
    'checkEmbeddings',
    'createEncoderPool',
    'createFileDescriptionCache',
    'createNodeRuntime',
    'createOpenAiDescriber',
    'defaultCacheDir',
    'defaultMiniLmModelDir',
    'embedTextsCached',
    'loadFineRouter',
    'loadMiniLmEncoder',
    'loadOnnxSentenceEncoder',
    'openLabelStore',
    'readArtifacts',
    'readPoolFile',
    'readPromptsFile',
    'readRoutingJsonl',
    'readShippedEmbeddings',
    'readTableFile',
    'recoverArtifactDir',
    'resolveArtifactDir',
    'writeArtifacts',
    'writeFineRouterArtifacts',
    'writeRoutingJsonl',
  ],
  'finerouter/web': [
    'WEB_RUNTIME_DEFAULTS',
    'createWebRuntime',
    'loadFineRouter',
    'loadMiniLmEncoder',
    'loadOnnxSentenceEncoder',
  ],
  'finerouter/label': [
    'CHAT_CLIENT_DEFAULTS',
    'CONVERT_DEFAULTS',
    'DEFAULT_RUBRIC',
    'LABEL_DEFAULTS',
    'LLM_JUDGE_DEFAULTS',
    'POOL_DEFAULTS',
    'callCost',
    'choiceJudge',
    'convertLlmRouter',
    'convertLong',
    'convertRouteLlm',
    'convertRouterBench',
    'convertScoreArray',
    'createChatClient',
    'createLimiter',
    'createMemoryStore',
    'createPoolClients',
    'csvField',
    'estimateTokens',
    'exactMatchJudge',
    'extractChoice',
    'extractNumber',
    'functionJudge',
    'labelPrompts',
    'normalizeText',
    'numericJudge',
    'pairwiseJudge',
    'parseCsv',
    'parseNumber',
    'parsePrompts',
    'parseRating',
    'parseStoreEntry',
    'parseVerdict',
    'planLabel',
    'promptMessages',
    'promptText',
    'regexJudge',
    'retryAfterMs',
    'rubricJudge',
    'stableStringify',
    'storeKey',
    'validatePool',
    'validatePrompt',
  ],
};

const MODULES: Record<Entry, Record<string, unknown>> = {
  finerouter: core,
  'finerouter/train': train,
  'finerouter/eval': evaluation,
  'finerouter/node': node,
  'finerouter/web': web,
  'finerouter/label': label,
};
const coreNames = Object.keys(core);

describe('public exports', () => {
  for (const entry of Object.keys(EXPECTED) as Entry[]) {
    it(`of "${entry}" match the locked, sorted list (update EXPECTED in this file on purpose)`, () => {
      const all = Object.keys(MODULES[entry]).sort();
      const actual =
        entry === 'finerouter/node' || entry === 'finerouter/web'
          ? all.filter((name) => !coreNames.includes(name))
          : all;
      const expected = EXPECTED[entry];
      const added = actual.filter((name) => !expected.includes(name));
      const removed = expected.filter((name) => !actual.includes(name));
      expect(
        actual,
        `public exports of ${entry} changed (added: ${JSON.stringify(added)}, removed: ${JSON.stringify(removed)}). ` +
          `If intended, replace EXPECTED['${entry}'] in test/package/exports.test.ts with:\n` +
          JSON.stringify(actual, null, 2),
      ).toEqual(expected);
    });

    it(`keeps the locked list of "${entry}" sorted, free of duplicates and in full-word names`, () => {
      const expected = EXPECTED[entry];
      expect(expected).toEqual([...new Set(expected)].sort());
      for (const name of expected) expect(name).toMatch(/^(?:[a-z][a-zA-Z0-9]*|[A-Z][a-zA-Z0-9]*|[A-Z][A-Z0-9_]*)$/);
    });
  }

  it('"finerouter/node" and "finerouter/web" re-export the whole core', () => {
    for (const name of coreNames) {
      expect(node, name).toHaveProperty(name);
      expect(web, name).toHaveProperty(name);
    }
  });

  it('keeps known internals out of every entry point', () => {
    const internals = [
      'matmul',
      'matmulTransA',
      'AdamW',
      'EarlyStopping',
      'classifierForward',
      'qualityHeadForward',
      'trainGeneral',
      'gatherRows',
      'hashUnit',
      'mulberry32',
      'FLAT_NORMALIZED_VALUE',
      'sha256Digest',
    ];
    for (const [entry, module] of Object.entries(MODULES))
      for (const name of internals) expect(module, `${entry} exports ${name}`).not.toHaveProperty(name);
  });
});
