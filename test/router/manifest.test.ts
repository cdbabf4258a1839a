import { describe, expect, it } from 'vitest';
import { FineRouterError } from '../../src/errors.js';
import { assertSafeArtifactPath, validateManifest } from '../../src/router/manifest.js';
import { fixture } from './fakes.js';

type Json = Record<string, any>;

async function base(): Promise<Json> {
  return structuredClone((await fixture()).manifestJson) as Json;
}

function expectCode(fn: () => unknown, code: string): void {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(FineRouterError);
    expect((error as FineRouterError).code).toBe(code);
    return;
  }
  throw new Error(`expected FineRouterError ${code}, nothing was thrown`);
}

describe('validateManifest', () => {
  it('accepts a valid manifest, returns a frozen copy and does not mutate the input', async () => {
    const json = await base();
    json.training = { seconds: 3, nested: { a: 1 } };
    json.futureField = 'ignored';
    const snapshot = structuredClone(json);
    const m = validateManifest(json);
    expect(json).toEqual(snapshot);
    expect(m.models.map((x) => x.id)).toEqual(['A', 'B', 'C']);
    expect(m.models[2]!.cost).toBeNull();
    expect(m.tasks[0]!.stage1).toEqual([0.2, 0.6, 0.4]);
    expect(m.training).toEqual({ seconds: 3, nested: { a: 1 } });
    expect(Object.isFrozen(m)).toBe(true);
    expect(Object.isFrozen(m.tasks[0]!.stage1)).toBe(true);
    expect('futureField' in m).toBe(false);
    json.training.seconds = 99;
    expect(m.training!.seconds).toBe(3);
  });

  it('accepts zero tasks and a missing cost (null)', async () => {
    const json = await base();
    json.tasks = [];
    delete json.models[0].cost;
    const m = validateManifest(json);
    expect(m.tasks).toEqual([]);
    expect(m.models[0]!.cost).toBeNull();
  });

  const schemaCases: [string, (j: Json) => void][] = [
    ['not an object', (j) => Object.keys(j).forEach((k) => delete j[k])],
    ['unknown schema', (j) => (j.schema = 'finerouter/tasks')],
    ['unknown version', (j) => (j.version = 2)],
    ['version as string', (j) => (j.version = '1')],
    ['encoder dimension 0', (j) => (j.encoder.dimension = 0)],
    ['encoder dimension fractional', (j) => (j.encoder.dimension = 3.5)],
    ['encoder id missing', (j) => delete j.encoder.id],
    ['no models', (j) => (j.models = [])],
    ['duplicate model', (j) => (j.models[1].id = 'A')],
    ['negative cost', (j) => (j.models[0].cost = -1)],
    ['cost as string', (j) => (j.models[0].cost = '1')],
    ['stage1 too short', (j) => (j.tasks[0].stage1 = [0.1, 0.2])],
    ['stage1 NaN (null in JSON)', (j) => (j.tasks[0].stage1[1] = null)],
    ['others stage1 wrong length', (j) => (j.others.stage1 = [1])],
    ['unknown candidate', (j) => (j.tasks[0].candidates = ['Z'])],
    ['duplicate candidate', (j) => (j.tasks[0].candidates = ['B', 'B'])],
    ['duplicate task id', (j) => (j.tasks[1].id = 7)],
    ['negative task id', (j) => (j.tasks[1].id = -1)],
    ['threshold > 1', (j) => (j.classifier.threshold = 1.2)],
    ['alpha > 1', (j) => (j.defaults.alpha = 2)],
    ['tolerance < 0', (j) => (j.defaults.tolerance = -0.1)],
    ['bad digest', (j) => (j.files['router.onnx'] = 'ABC')],
    ['uppercase digest', (j) => (j.files['router.onnx'] = j.files['router.onnx'].toUpperCase())],
    ['router file not in files', (j) => delete j.files['router.onnx']],
    ['manifest.json in files', (j) => (j.files['manifest.json'] = j.files['router.onnx'])],
    ['same file twice', (j) => (j.router.file = 'classifier.onnx')],
    ['missing others', (j) => delete j.others],
    ['missing defaults', (j) => delete j.defaults],
  ];
  it.each(schemaCases)('ARTIFACT_SCHEMA: %s', async (_name, edit) => {
    const json = await base();
    edit(json);
    expectCode(() => validateManifest(json), 'ARTIFACT_SCHEMA');
  });
  it('ARTIFACT_SCHEMA for non-objects', () => {
    for (const v of [null, 1, 'x', [], undefined]) expectCode(() => validateManifest(v), 'ARTIFACT_SCHEMA');
  });

  const unsafe = [
    '/etc/passwd',
    '../router.onnx',
    'a/../../router.onnx',
    'a\\b.onnx',
    'C:/x.onnx',
    'c:x',
    'https://evil/x.onnx',
    './router.onnx',
    'a//b',
    'dir/',
    '',
    'a\u0000b',
    '..',
  ];
  it.each(unsafe)('ARTIFACT_PATH: router.file %j', async (path) => {
    const json = await base();
    json.router.file = path;
    json.files[path] = json.files['router.onnx'];
    expectCode(() => validateManifest(json), 'ARTIFACT_PATH');
  });
  it('ARTIFACT_PATH for unsafe keys of files and classifier.file', async () => {
    const json = await base();
    json.files['../../x'] = json.files['router.onnx'];
    expectCode(() => validateManifest(json), 'ARTIFACT_PATH');
    const json2 = await base();
    json2.classifier.file = '/abs/classifier.onnx';
    expectCode(() => validateManifest(json2), 'ARTIFACT_PATH');
  });
  it('accepts nested relative paths', () => {
    expect(assertSafeArtifactPath('heads/router.onnx', 'x')).toBe('heads/router.onnx');
    expect(assertSafeArtifactPath('a..b.onnx', 'x')).toBe('a..b.onnx');
  });
});
