import { describe, expect, it } from 'vitest';
import { FineRouterError } from '../../src/errors.js';
import {
  callWithFallback,
  classifyUpstreamError,
  errorStatus,
  fallbackOrder,
} from '../../src/integrations/fallback.js';
import { parseRequestRoutingOptions, splitRoutingOptions } from '../../src/integrations/options.js';

const decision = {
  model: 'b',
  scores: ['b', 'a', 'c', 'd'].map((model) => ({ model })),
};

describe('fallback order and error classes', () => {
  it('orders the routed model first, then by final score, skipping models without a client', () => {
    expect(fallbackOrder(decision, () => true, 3)).toEqual(['b', 'a', 'c']);
    expect(fallbackOrder(decision, (id) => id !== 'a', 5)).toEqual(['b', 'c', 'd']);
    expect(fallbackOrder(decision, () => true, 1)).toEqual(['b']);
  });

  it('classifies statuses (own, AI SDK statusCode, nested cause) and network errors', () => {
    expect(classifyUpstreamError({ status: 429 })).toBe('rate-limit');
    expect(classifyUpstreamError({ statusCode: 503 })).toBe('server-error');
    expect(classifyUpstreamError(new Error('x', { cause: { status: 408 } }))).toBe('timeout');
    expect(classifyUpstreamError({ status: 400 })).toBe('client-error');
    expect(classifyUpstreamError(new TypeError('fetch failed', { cause: { code: 'ECONNREFUSED' } }))).toBe('network');
    expect(classifyUpstreamError(new Error('bug'))).toBe('error');
    expect(errorStatus({ response: { status: 502 } })).toBe(502);
    expect(errorStatus({ status: 42 })).toBeUndefined();
  });
});

describe('callWithFallback', () => {
  it('returns the first success and reports every attempt', async () => {
    const calls: string[] = [];
    const result = await callWithFallback(
      decision,
      () => true,
      async (id) => {
        calls.push(id);
        if (id === 'b') throw Object.assign(new Error('busy'), { status: 503 });
        return `answer of ${id}`;
      },
    );
    expect(result.value).toBe('answer of a');
    expect(result.attempts.map((a) => [a.model, a.outcome, a.status])).toEqual([
      ['b', 'server-error', 503],
      ['a', 'ok', undefined],
    ]);
    expect(calls).toEqual(['b', 'a']);
  });

  it('stops at a client error or an unknown exception, with UPSTREAM_FAILED and the attempts', async () => {
    const error = await callWithFallback(
      decision,
      () => true,
      async () => {
        throw Object.assign(new Error('bad key'), { status: 401 });
      },
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FineRouterError);
    expect((error as FineRouterError).code).toBe('UPSTREAM_FAILED');
    expect((error as { attempts: unknown[] }).attempts).toHaveLength(1);
  });

  it('bounds attempts by maxAttempts and per-attempt time', async () => {
    const error = await callWithFallback(
      decision,
      () => true,
      (_id, signal) =>
        new Promise((_resolve, reject) =>
          signal.addEventListener('abort', () => reject(signal.reason), { once: true }),
        ),
      { maxAttempts: 2, attemptTimeoutMs: 20 },
    ).catch((e: unknown) => e);
    expect((error as FineRouterError).code).toBe('UPSTREAM_FAILED');
    expect((error as { attempts: { outcome: string }[] }).attempts.map((a) => a.outcome)).toEqual([
      'timeout',
      'timeout',
    ]);
  });

  it('returns the last refusal when every model refuses', async () => {
    const result = await callWithFallback(
      decision,
      () => true,
      async (id) => `no from ${id}`,
      { maxAttempts: 2, isRefusal: () => true },
    );
    expect(result.value).toBe('no from a');
    expect(result.attempts.map((a) => a.outcome)).toEqual(['refusal', 'refusal']);
  });

  it('stops with ABORTED on the caller abort and rejects bad options', async () => {
    const controller = new AbortController();
    const pending = callWithFallback(
      decision,
      () => true,
      (_id, signal) =>
        new Promise((_r, reject) => signal.addEventListener('abort', () => reject(new Error('aborted')))),
      { signal: controller.signal },
    );
    controller.abort();
    await expect(pending).rejects.toMatchObject({ code: 'ABORTED' });
    await expect(
      callWithFallback(
        decision,
        () => true,
        async () => 1,
        { maxAttempts: 0 },
      ),
    ).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(
      callWithFallback(
        decision,
        () => false,
        async () => 1,
      ),
    ).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });
});

describe('request routing options', () => {
  it('parses known fields and rejects unknown ones and bad types', () => {
    expect(parseRequestRoutingOptions({ tolerance: 0.1, allowedModels: ['a'] }, 'x')).toEqual({
      tolerance: 0.1,
      allowedModels: ['a'],
    });
    expect(parseRequestRoutingOptions(undefined, 'x')).toEqual({});
    expect(() => parseRequestRoutingOptions({ tolerence: 0.1 }, 'x')).toThrow(FineRouterError);
    expect(() => parseRequestRoutingOptions({ maxCost: '1' }, 'x')).toThrow(FineRouterError);
    expect(() => parseRequestRoutingOptions([], 'x')).toThrow(FineRouterError);
  });

  it('restricts allowed models to those with a client; request options win over defaults', () => {
    const { route, fallback } = splitRoutingOptions(
      { tolerance: 0.2, maxAttempts: 2 },
      { tolerance: 0, allowedModels: ['a', 'z'] },
      ['a', 'b'],
    );
    expect(route).toEqual({ tolerance: 0, allowedModels: ['a'] });
    expect(fallback).toEqual({ maxAttempts: 2 });
    expect(() => splitRoutingOptions({}, { allowedModels: ['z'] }, ['a'])).toThrow(FineRouterError);
  });
});
