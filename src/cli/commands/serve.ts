/**
 * `finerouter serve`: the OpenAI-compatible routing server (src/server/server.ts). Argument parsing, signals and the
 * log line only.
 */
import { loadFineRouter } from '../../adapters/node/artifacts.js';
import { readPoolFile } from '../../adapters/node/pool-file.js';
import { FineRouterError } from '../../errors.js';
import type { RequestRoutingOptions } from '../../integrations/options.js';
import { createRoutingServer, ROUTING_SERVER_DEFAULTS } from '../../server/server.js';
import type { Command } from '../command.js';
import { integerAtLeast, numberFlag, parseFlags } from '../options.js';

const usage = `Usage: finerouter serve --artifacts DIR --pool FILE [options]

An OpenAI-compatible routing server. POST /v1/chat/completions with "model": "finerouter" routes on the
messages and calls the chosen upstream (streaming or not); any other pool model id passes through.
Also GET /v1/models, /healthz (no auth), /metrics (Prometheus). Per-request options: body field
"finerouter" or header x-finerouter-options (JSON): tolerance, alpha, maxCost, allowedModels,
excludedModels, maxAttempts, timeoutMs.

Options:
  --artifacts DIR        artifact directory written by 'finerouter train' (required)
  --pool FILE            model pool JSON: {"models": {"<id>": {"baseUrl", "model", "apiKeyEnv"?, "prices":
                         {"inputPer1M", "outputPer1M"}, "headers"?, "timeoutMs"?}}} (required)
  --host H               interface to listen on (default 127.0.0.1; 0.0.0.0 in a container)
  --port P               port (default 8080; 0 picks a free one)
  --auth-token-env NAME  require "Authorization: Bearer $NAME" from clients (the token is read from NAME)
  --tolerance T          default τ in [0, 1] (default: manifest)
  --max-cost USD         default per-request budget, expected USD per call
  --max-attempts N       models tried per request, fallback included (default 3; 1 disables fallback)
  --upstream-timeout MS  per-attempt upstream timeout until the response starts (default ${ROUTING_SERVER_DEFAULTS.upstreamTimeoutMs})
  --max-body BYTES       largest request body (default ${ROUTING_SERVER_DEFAULTS.maxBodyBytes})
  --threads N            onnxruntime intra-op threads (default: onnxruntime's choice)
  --workers N            embed on N worker threads, each a 1-thread session (default 0: in the server thread)
  --quiet                no per-request log lines on stderr
  --help                 this text

Signals: SIGTERM / SIGINT finish in-flight requests and exit; SIGHUP reloads the artifacts atomically.`;

export const serveCommand: Command = {
  name: 'serve',
  summary: 'OpenAI-compatible routing server (/v1/chat/completions with model "finerouter")',
  usage,
  async run(argv) {
    const { values } = parseFlags(
      'serve',
      argv,
      {
        artifacts: { type: 'string' },
        pool: { type: 'string' },
        host: { type: 'string' },
        port: { type: 'string' },
        'auth-token-env': { type: 'string' },
        tolerance: { type: 'string' },
        'max-cost': { type: 'string' },
        'max-attempts': { type: 'string' },
        'upstream-timeout': { type: 'string' },
        'max-body': { type: 'string' },
        threads: { type: 'string' },
        workers: { type: 'string' },
        quiet: { type: 'boolean' },
      },
      { required: ['artifacts', 'pool'] },
    );
    const port =
      numberFlag(
        'serve',
        'port',
        values.port,
        'an integer in [0, 65535]',
        (x) => Number.isInteger(x) && x >= 0 && x <= 65535,
      ) ?? 8080;
    const threads = numberFlag('serve', 'threads', values.threads, 'an integer ≥ 0', integerAtLeast(0));
    const workers = numberFlag('serve', 'workers', values.workers, 'an integer ≥ 0', integerAtLeast(0));
    const routing: RequestRoutingOptions = {};
    const tolerance = numberFlag('serve', 'tolerance', values.tolerance, 'a number in [0, 1]', (x) => x >= 0 && x <= 1);
    const maxCost = numberFlag(
      'serve',
      'max-cost',
      values['max-cost'],
      'a number ≥ 0',
      (x) => Number.isFinite(x) && x >= 0,
    );
    const maxAttempts = numberFlag(
      'serve',
      'max-attempts',
      values['max-attempts'],
      'an integer ≥ 1',
      integerAtLeast(1),
    );
    if (tolerance !== undefined) routing.tolerance = tolerance;
    if (maxCost !== undefined) routing.maxCost = maxCost;
    if (maxAttempts !== undefined) routing.maxAttempts = maxAttempts;
    const upstreamTimeoutMs = numberFlag(
      'serve',
      'upstream-timeout',
      values['upstream-timeout'],
      'an integer ≥ 1 (ms)',
      integerAtLeast(1),
    );
    const maxBodyBytes = numberFlag(
      'serve',
      'max-body',
      values['max-body'],
      'an integer ≥ 1 (bytes)',
      integerAtLeast(1),
    );
    let authToken: string | undefined;
    const tokenEnv = values['auth-token-env'];
    if (tokenEnv !== undefined) {
      authToken = process.env[tokenEnv];
      if (!authToken)
        throw new FineRouterError(
          'INVALID_ARGUMENT',
          `serve: --auth-token-env ${tokenEnv}: the variable is not set or empty`,
        );
    }

    const artifacts = values.artifacts!;
    const load = () =>
      loadFineRouter(artifacts, {
        ...(threads !== undefined ? { intraOpNumThreads: threads } : {}),
        ...(workers !== undefined ? { encoderWorkers: workers } : {}),
      });
    const pool = await readPoolFile(values.pool!);
    const router = await load();
    const quiet = values.quiet === true;
    const serving = createRoutingServer({
      router,
      pool,
      loadRouter: load,
      routing,
      ...(authToken !== undefined ? { authToken } : {}),
      ...(upstreamTimeoutMs !== undefined ? { upstreamTimeoutMs } : {}),
      ...(maxBodyBytes !== undefined ? { maxBodyBytes } : {}),
      ...(quiet ? {} : { log: (entry: Record<string, unknown>) => process.stderr.write(`${JSON.stringify(entry)}\n`) }),
    });
    const url = await serving.listen(port, values.host ?? '127.0.0.1');
    // One machine-readable line on stdout: tests and scripts read the URL from it.
    process.stdout.write(`${JSON.stringify({ url, models: router.models, pool: Object.keys(pool.models) })}\n`);

    return new Promise<number>((resolve) => {
      let stopping = false;
      const stop = (signal: string): void => {
        if (stopping) return;
        stopping = true;
        process.stderr.write(`${JSON.stringify({ event: 'shutdown', signal })}\n`);
        serving.close().then(
          () => resolve(0),
          (error: unknown) => {
            process.stderr.write(`serve: shutdown failed: ${error instanceof Error ? error.message : String(error)}\n`);
            resolve(1);
          },
        );
      };
      process.on('SIGTERM', () => stop('SIGTERM'));
      process.on('SIGINT', () => stop('SIGINT'));
      process.on('SIGHUP', () => {
        serving.reload().catch(() => undefined); // logged by the server; the old artifacts keep serving
      });
    });
  },
};
