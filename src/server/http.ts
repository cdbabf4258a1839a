/**
 * HTTP plumbing of the routing server (./server.ts): reading and checking request bodies, per-request routing
 * options, JSON responses and the mapping from thrown errors to OpenAI-style error bodies.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { FineRouterError } from '../errors.js';
import { parseRequestRoutingOptions } from '../integrations/options.js';

/** An error answered to the client with this HTTP status and OpenAI-style `type`. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > limit) {
      reject(
        new HttpError(
          413,
          'invalid_request_error',
          `request body of ${declared} bytes exceeds the limit of ${limit} bytes`,
        ),
      );
      req.resume();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        reject(new HttpError(413, 'invalid_request_error', `request body exceeds the limit of ${limit} bytes`));
        req.removeAllListeners('data');
        req.resume();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  if (res.headersSent || res.destroyed) return;
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

/** A chat-completions request body: a JSON object with a string `model` and non-empty `messages` (else 400). */
export function parseChatBody(raw: Buffer): Record<string, unknown> {
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(raw.toString('utf8')) as Record<string, unknown>;
  } catch {
    throw new HttpError(400, 'invalid_request_error', 'the request body is not valid JSON');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw new HttpError(400, 'invalid_request_error', 'the request body must be a JSON object');
  if (typeof body.model !== 'string') throw new HttpError(400, 'invalid_request_error', 'model: expected a string');
  if (!Array.isArray(body.messages) || body.messages.length === 0)
    throw new HttpError(400, 'invalid_request_error', 'messages: expected a non-empty array');
  return body;
}

/** Per-request routing options: header `x-finerouter-options` (JSON), then the body's `finerouter` field over it. */
export function requestRoutingOptions(
  req: IncomingMessage,
  fromBody: unknown,
): ReturnType<typeof parseRequestRoutingOptions> {
  let fromHeader: unknown;
  const header = req.headers['x-finerouter-options'];
  if (typeof header === 'string') {
    try {
      fromHeader = JSON.parse(header);
    } catch {
      throw new HttpError(400, 'invalid_request_error', 'header x-finerouter-options: expected JSON');
    }
  }
  return {
    ...parseRequestRoutingOptions(fromHeader, 'header x-finerouter-options'),
    ...parseRequestRoutingOptions(fromBody, 'body field "finerouter"'),
  };
}

/** The HTTP status, OpenAI-style error body and headers for an error thrown while handling a request. */
export function errorResponse(error: unknown): {
  status: number;
  body: Record<string, unknown>;
  headers: Record<string, string>;
} {
  let status = 500;
  let body: Record<string, unknown> = { message: 'internal error', type: 'server_error' };
  let headers: Record<string, string> = {};
  if (error instanceof HttpError) {
    status = error.status;
    const { headers: extraHeaders, ...extra } = error.extra as { headers?: Record<string, string> };
    headers = extraHeaders ?? {};
    body = { message: error.message, type: error.type, ...extra };
  } else if (error instanceof FineRouterError) {
    if (error.code === 'UPSTREAM_FAILED') {
      status = 502;
      body = {
        message: error.message,
        type: 'upstream_error',
        code: 'upstream_failed',
        attempts: (error as FineRouterError & { attempts?: unknown }).attempts ?? [],
      };
    } else if (error.code === 'BUDGET_EXCEEDED') {
      status = 400;
      body = { message: error.message, type: 'invalid_request_error', code: 'budget_exceeded' };
    } else if (error.code === 'INVALID_ARGUMENT') {
      status = 400;
      body = { message: error.message, type: 'invalid_request_error', code: 'invalid_argument' };
    } else {
      body = { message: error.message, type: 'server_error', code: error.code.toLowerCase() };
    }
  }
  return { status, body, headers };
}
