/**
 * Property-based fuzzing (fast-check, issue #13): random and mutated routing lines, manifests and ONNX bytes,
 * random graphs for Leiden, random rankings for RBO. Every outcome is a valid result or a FineRouterError with a
 * code, or (pure functions) a TypeError / RangeError naming the function; never another error, a hang or NaN.
 *
 * Bounded in `npm test` (FUZZ_RUNS runs per property, default 150, seed FUZZ_SEED default 13);
 * `npm run fuzz` runs 5000 per property with a printed seed.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseRoutingLine } from '../../src/data/parse.js';
import { FineRouterError } from '../../src/errors.js';
import { buildGraph } from '../../src/leiden/graph.js';
import { leiden } from '../../src/leiden/leiden.js';
import { validateManifest } from '../../src/router/manifest.js';
import { parseManifest } from '../../src/router/load.js';
import { rankBiasedOverlap } from '../../src/rbo/rbo.js';
import { createNodeRuntime } from '../../src/adapters/node/runtime.js';
import { buildClassifierOnnx } from '../../src/train/onnx-export.js';

const RUNS = Number(process.env.FUZZ_RUNS ?? 150);
const SEED = Number(process.env.FUZZ_SEED ?? 13);
const params = { numRuns: RUNS, seed: SEED, endOnFailure: true };

/** The allowed failure shapes. */
function expectContractError(error: unknown, pure: boolean): void {
  if (error instanceof FineRouterError) {
    expect(typeof error.code).toBe('string');
    expect(error.code.length).toBeGreaterThan(0);
    return;
  }
  if (pure && (error instanceof TypeError || error instanceof RangeError)) {
    expect(error.message).toMatch(/^\w+: /); // names the function
    return;
  }
  throw new Error(`uncoded error: ${String(error)}`, { cause: error });
}

const json = fc.jsonValue({ maxDepth: 4 });
const scoreMap = fc.dictionary(fc.string({ maxLength: 8 }), fc.oneof(fc.double(), json), { maxKeys: 5 });
const lineArb = fc.oneof(
  fc.string(),
  json.map((v) => JSON.stringify(v)),
  fc
    .record(
      { id: fc.oneof(fc.string(), json), prompt: fc.oneof(fc.string(), json), scores: fc.oneof(scoreMap, json) },
      { requiredKeys: [] },
    )
    .map((v) => JSON.stringify(v)),
  fc
    .record({
      id: fc.string({ minLength: 1 }),
      prompt: fc.string(),
      scores: fc.dictionary(fc.string({ minLength: 1, maxLength: 6 }), fc.double({ min: 0, max: 1, noNaN: true }), {
        minKeys: 1,
        maxKeys: 4,
      }),
    })
    .map((v) => JSON.stringify(v)),
);

describe('fuzz', () => {
  it('parseRoutingLine: a valid record or DATA_INVALID', () => {
    fc.assert(
      fc.property(lineArb, fc.integer({ min: 1, max: 1e6 }), (line, n) => {
        try {
          const record = parseRoutingLine(line, n);
          expect(typeof record.id).toBe('string');
          for (const score of Object.values(record.scores)) expect(score >= 0 && score <= 1).toBe(true);
        } catch (error) {
          expectContractError(error, false);
          expect((error as FineRouterError).code).toBe('DATA_INVALID');
        }
      }),
      params,
    );
  });

  it('validateManifest / parseManifest on mutated real manifests: a frozen manifest or ARTIFACT_SCHEMA / ARTIFACT_PATH', async () => {
    const base = JSON.parse(
      JSON.stringify({
        schema: 'finerouter/artifacts',
        version: 1,
        encoder: { id: 'e', dimension: 4 },
        models: [
          { id: 'a', cost: 0.1 },
          { id: 'b', cost: null },
        ],
        tasks: [{ id: 0, description: 'd', size: 3, candidates: ['a'], stage1: [0.5, 0.4] }],
        others: { size: 1, stage1: [0.1, 0.2] },
        classifier: { file: 'classifier.onnx', threshold: 0.5 },
        router: { file: 'router.onnx' },
        defaults: { alpha: 0.5, tolerance: 0 },
        files: { 'classifier.onnx': 'a'.repeat(64), 'router.onnx': 'b'.repeat(64) },
      }),
    ) as Record<string, unknown>;
    const paths = [
      'schema',
      'version',
      'encoder',
      'models',
      'tasks',
      'others',
      'classifier',
      'router',
      'defaults',
      'files',
      'training',
    ];
    const mutation = fc.record({
      key: fc.constantFrom(...paths),
      value: fc.oneof(json, fc.constantFrom('__proto__', 'constructor', '../x', '/etc/passwd', 'a:b')),
    });
    fc.assert(
      fc.property(fc.array(mutation, { minLength: 1, maxLength: 3 }), fc.boolean(), (mutations, asText) => {
        const copy: Record<string, unknown> = structuredClone(base);
        for (const m of mutations) copy[m.key] = m.value;
        try {
          const manifest = asText ? parseManifest(JSON.stringify(copy), 'fuzz') : validateManifest(copy);
          expect(Object.isFrozen(manifest)).toBe(true);
        } catch (error) {
          expectContractError(error, false);
          expect(['ARTIFACT_SCHEMA', 'ARTIFACT_PATH']).toContain((error as FineRouterError).code);
        }
      }),
      params,
    );
    // Truncated manifest text never escapes as a SyntaxError.
    const text = JSON.stringify(base);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: text.length - 1 }), (cut) => {
        expect(() => parseManifest(text.slice(0, cut), 'fuzz')).toThrowError(
          expect.objectContaining({ code: 'ARTIFACT_SCHEMA' }),
        );
      }),
      params,
    );
  });

  it('ONNX bytes: mutated real graphs either load or fail with MODEL_INVALID', async () => {
    // A real graph from the project's exporter (classifier head, D = 8, T = 3), then mutated and truncated.
    const d = 8;
    const t = 3;
    const fill = (n: number): Float32Array => Float32Array.from({ length: n }, (_, i) => Math.sin(i + 1) / 4);
    const seedBytes = buildClassifierOnnx({
      dimension: d,
      taskCount: t,
      weight: fill(d * d),
      bias: fill(d),
      taskEncodings: fill(d * t),
      taskBias: fill(t),
    });
    const runtime = createNodeRuntime();
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }), { maxLength: 6 }),
        fc.option(fc.nat(), { nil: undefined }),
        async (flips, cut) => {
          const bytes = new Uint8Array(seedBytes);
          for (const f of flips) bytes[f.at % bytes.length] = f.byte;
          const input = cut === undefined ? bytes : bytes.subarray(0, cut % (bytes.length + 1));
          try {
            const session = await runtime.createSession(input, {});
            try {
              // A mutated graph may load and then fail to run (or need other inputs): that too must be coded.
              const out = await session.run({
                embedding: { type: 'float32', data: new Float32Array(2 * d), dims: [2, d] },
              });
              expect(Object.keys(out).length).toBeGreaterThan(0);
            } finally {
              await session.release();
            }
          } catch (error) {
            expectContractError(error, false);
          }
        },
      ),
      { ...params, numRuns: Math.max(30, Math.floor(RUNS / 5)) },
    );
  });

  it('leiden on random graphs: a partition covering every node with ids 0..k-1, or a TypeError/RangeError', () => {
    const graphArb = fc.integer({ min: 0, max: 30 }).chain((n) =>
      fc.record({
        nodeCount: fc.constant(n),
        edges: fc.array(
          fc.tuple(
            fc.integer({ min: -1, max: n }),
            fc.integer({ min: -1, max: n }),
            fc.oneof(fc.double({ min: 0, max: 10, noNaN: true }), fc.constantFrom(0, -1, Number.NaN, Infinity)),
          ),
          { maxLength: 80 },
        ),
        resolution: fc.oneof(fc.double({ min: 0, max: 5, noNaN: true }), fc.constantFrom(-1, Number.NaN)),
        seed: fc.nat(),
      }),
    );
    fc.assert(
      fc.property(graphArb, ({ nodeCount, edges, resolution, seed }) => {
        try {
          const graph = buildGraph({
            nodeCount,
            source: edges.map((e) => e[0]),
            target: edges.map((e) => e[1]),
            weight: edges.map((e) => e[2]),
          });
          const result = leiden(graph, { resolution, seed });
          expect(result.membership.length).toBe(nodeCount);
          const seen = new Set(result.membership);
          expect(seen.size).toBe(result.communityCount);
          for (const c of seen) expect(c >= 0 && c < result.communityCount).toBe(true);
          expect(Number.isFinite(result.quality)).toBe(true);
        } catch (error) {
          expectContractError(error, true);
        }
      }),
      params,
    );
  });

  it('rankBiasedOverlap on random rankings: bounds in [0, 1], symmetric, or a TypeError/RangeError', () => {
    const item = fc.oneof(fc.integer({ min: 0, max: 12 }), fc.constantFrom('a', 'b', 'c'));
    const list = fc.array(fc.oneof(item, fc.array(item, { maxLength: 3 })), { maxLength: 12 });
    fc.assert(
      fc.property(
        list,
        list,
        fc.oneof(fc.double({ min: 0.01, max: 0.99, noNaN: true }), fc.constantFrom(0, 1, -0.5, Number.NaN)),
        (a, b, p) => {
          try {
            const x = rankBiasedOverlap(a, b, { p });
            const y = rankBiasedOverlap(b, a, { p });
            for (const v of [x.ext, x.min, x.res, x.max]) expect(v >= 0 && v <= 1 + 1e-12).toBe(true);
            expect(x.min).toBeLessThanOrEqual(x.max + 1e-12);
            expect(Math.abs(x.ext - y.ext)).toBeLessThan(1e-12);
          } catch (error) {
            expectContractError(error, true);
          }
        },
      ),
      params,
    );
  });
});
