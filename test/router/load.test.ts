import { describe, expect, it } from 'vitest';
import { FineRouterError } from '../../src/errors.js';
import {
  checkArtifactListing,
  isIgnoredArtifactEntry,
  parseManifest,
  verifyArtifactChecksums,
} from '../../src/router/load.js';
import { validateManifest } from '../../src/router/manifest.js';
import { fixture } from './fakes.js';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(FineRouterError);
    return (e as FineRouterError).code;
  }
  return undefined;
}

describe('loading checks (pure)', () => {
  it('ignores dot entries at any depth, nothing else', () => {
    expect(isIgnoredArtifactEntry('.DS_Store')).toBe(true);
    expect(isIgnoredArtifactEntry('.cache/x.bin')).toBe(true);
    expect(isIgnoredArtifactEntry('heads/.gitkeep')).toBe(true);
    expect(isIgnoredArtifactEntry('router.onnx')).toBe(false);
    expect(isIgnoredArtifactEntry('a.b/router.onnx')).toBe(false);
  });
  it('reports missing and unexpected files', async () => {
    const m = validateManifest((await fixture()).manifestJson);
    expect(
      codeOf(() => checkArtifactListing(m, ['manifest.json', 'classifier.onnx', 'router.onnx', '.DS_Store'], 'd')),
    ).toBeUndefined();
    expect(codeOf(() => checkArtifactListing(m, ['classifier.onnx', 'router.onnx'], 'd'))).toBeUndefined();
    expect(codeOf(() => checkArtifactListing(m, ['manifest.json', 'classifier.onnx'], 'd'))).toBe('ARTIFACT_MISSING');
    expect(
      codeOf(() =>
        checkArtifactListing(m, ['manifest.json', 'classifier.onnx', 'router.onnx', 'router.onnx.bak'], 'd'),
      ),
    ).toBe('ARTIFACT_UNEXPECTED');
  });
  it('parses manifest text and checks digests', async () => {
    const f = await fixture();
    expect(codeOf(() => parseManifest('{', 'm'))).toBe('ARTIFACT_SCHEMA');
    const m = parseManifest(JSON.stringify(f.manifestJson), 'm');
    await verifyArtifactChecksums(m, { 'classifier.onnx': f.classifierModel, 'router.onnx': f.routerModel }, 'd');
    const swapped = await verifyArtifactChecksums(
      m,
      { 'classifier.onnx': f.routerModel, 'router.onnx': f.routerModel },
      'd',
    ).catch((e: FineRouterError) => e.code);
    expect(swapped).toBe('ARTIFACT_CHECKSUM');
    const absent = await verifyArtifactChecksums(m, { 'classifier.onnx': f.classifierModel }, 'd').catch(
      (e: FineRouterError) => e.code,
    );
    expect(absent).toBe('ARTIFACT_MISSING');
  });
});
