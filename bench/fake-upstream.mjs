/**
 * A fake OpenAI-compatible upstream on 127.0.0.1, shared by the integration tests (test/integrations) and the
 * server benchmark (bench/server.bench.mjs). Deterministic: the answer of model M to a conversation whose last user
 * turn is U is `[M] U`, streamed one word per chunk. Configurable per model: latency, an error status for the next
 * N requests, a hang (for timeouts and aborts), a refusal. Tools: when a request carries `tools` and its last
 * message is from the user, the answer is a call of the first tool with arguments {"city":"Paris"}. With a JSON
 * `response_format` the answer is the JSON text {"answer": "[M] U"}.
 *
 * Usage as a program (for benchmarks): `node bench/fake-upstream.mjs [--port P] [--latency MS]` prints
 * `{"url": "http://127.0.0.1:P/v1"}` on one line and serves until killed.
 */
import { createServer } from 'node:http';
import { pathToFileURL } from 'node:url';

function lastUserText(messages) {
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i];
    if (m?.role !== 'user') continue;
    if (typeof m.content === 'string') return m.content;
    if (Array.isArray(m.content))
      return m.content
        .filter((p) => p?.type === 'text')
        .map((p) => p.text)
        .join(' ');
  }
  return '';
}

const words = (text) => (text.trim() === '' ? 0 : text.trim().split(/\s+/).length);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Starts the fake upstream.
 * @param {{ port?: number, latencyMs?: number, chunkDelayMs?: number, models?: string[] }} [options]
 */
export async function startFakeUpstream(options = {}) {
  const behaviors = new Map();
  const requests = [];
  const sockets = new Set();
  let aborted = 0;
  const state = {
    get aborted() {
      return aborted;
    },
  };

  async function handle(req, res) {
    const chunks = [];
    for await (const c of req) chunks.push(c);
    const send = (status, json, headers = {}) => {
      if (res.destroyed) return;
      const body = JSON.stringify(json);
      res.writeHead(status, {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(body),
        ...headers,
      });
      res.end(body);
    };
    if (req.method === 'GET' && req.url === '/v1/models') {
      send(200, {
        object: 'list',
        data: (options.models ?? []).map((id) => ({ id, object: 'model', created: 0, owned_by: 'fake' })),
      });
      return;
    }
    if (req.method !== 'POST' || req.url !== '/v1/chat/completions') {
      send(404, { error: { message: `no route ${req.method} ${req.url}` } });
      return;
    }
    let body;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      send(400, { error: { message: 'invalid JSON body', type: 'invalid_request_error' } });
      return;
    }
    const model = String(body.model);
    const record = { model, body, headers: req.headers, aborted: false, outcome: 'ok' };
    requests.push(record);
    let finished = false;
    res.on('close', () => {
      if (!finished) {
        record.aborted = true;
        aborted++;
      }
    });
    const behavior = behaviors.get(model) ?? {};
    const latency = behavior.latencyMs ?? options.latencyMs ?? 0;
    if (latency > 0) await sleep(latency);
    if (behavior.hangMs !== undefined) {
      record.outcome = 'hang';
      await sleep(behavior.hangMs);
    }
    if (behavior.status !== undefined && (behavior.times ?? Infinity) > 0) {
      behavior.times = (behavior.times ?? Infinity) - 1;
      record.outcome = String(behavior.status);
      finished = true;
      send(
        behavior.status,
        { error: { message: `injected ${behavior.status}`, type: 'server_error' } },
        behavior.status === 429 ? { 'retry-after': '0' } : {},
      );
      return;
    }
    if (res.destroyed) return;
    const messages = Array.isArray(body.messages) ? body.messages : [];
    const text = `[${model}] ${lastUserText(messages)}`;
    const wantsJson = body.response_format?.type === 'json_object' || body.response_format?.type === 'json_schema';
    const answer = behavior.refusal ? '' : wantsJson ? JSON.stringify({ answer: text }) : text;
    const tools =
      Array.isArray(body.tools) &&
      body.tools.length > 0 &&
      body.tool_choice !== 'none' &&
      messages[messages.length - 1]?.role === 'user'
        ? body.tools
        : undefined;
    const toolCall = tools
      ? { id: 'call_1', type: 'function', function: { name: tools[0].function.name, arguments: '{"city":"Paris"}' } }
      : undefined;
    const promptTokens = messages.reduce((s, m) => s + words(typeof m.content === 'string' ? m.content : ''), 0);
    const usage = {
      prompt_tokens: promptTokens,
      completion_tokens: words(answer),
      total_tokens: promptTokens + words(answer),
    };
    const finishReason = behavior.refusal ? 'content_filter' : toolCall ? 'tool_calls' : 'stop';
    const id = `chatcmpl-fake-${requests.length}`;
    if (!body.stream) {
      finished = true;
      const message = toolCall
        ? { role: 'assistant', content: null, tool_calls: [toolCall] }
        : { role: 'assistant', content: answer, ...(behavior.refusal ? { refusal: 'I cannot help with that.' } : {}) };
      send(200, {
        id,
        object: 'chat.completion',
        created: 0,
        model,
        choices: [{ index: 0, message, finish_reason: finishReason, logprobs: null }],
        usage,
      });
      return;
    }
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    const event = (delta, finish = null, extra = {}) =>
      `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created: 0, model, choices: [{ index: 0, delta, finish_reason: finish, logprobs: null }], ...extra })}\n\n`;
    res.write(event({ role: 'assistant', content: '' }));
    if (toolCall) {
      res.write(event({ tool_calls: [{ index: 0, ...toolCall }] }));
    } else {
      const pieces = answer.split(/(?<= )/);
      for (const piece of pieces) {
        if (res.destroyed) return;
        if (options.chunkDelayMs) await sleep(options.chunkDelayMs);
        if (behavior.chunkDelayMs) await sleep(behavior.chunkDelayMs);
        if (res.destroyed) return;
        res.write(event({ content: piece }));
      }
    }
    res.write(event({}, finishReason));
    if (body.stream_options?.include_usage)
      res.write(
        `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created: 0, model, choices: [], usage })}\n\n`,
      );
    finished = true;
    res.end('data: [DONE]\n\n');
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error) => {
      if (!res.headersSent) res.writeHead(500);
      res.end(String(error));
    });
  });
  server.keepAliveTimeout = 60_000;
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}/v1`,
    port,
    requests,
    state,
    /** Sets the behaviour of one upstream model name (replaces the previous one). */
    behave(model, behavior) {
      behaviors.set(model, { ...behavior });
    },
    /** Clears behaviours and the request log. */
    reset() {
      behaviors.clear();
      requests.length = 0;
      aborted = 0;
    },
    close() {
      return new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      });
    },
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const args = process.argv.slice(2);
  const flag = (name, fallback) => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 ? Number(args[i + 1]) : fallback;
  };
  const upstream = await startFakeUpstream({ port: flag('port', 0), latencyMs: flag('latency', 0) });
  process.stdout.write(`${JSON.stringify({ url: upstream.url })}\n`);
  process.on('SIGTERM', () => upstream.close().then(() => process.exit(0)));
}
