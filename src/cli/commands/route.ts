/** `finerouter route`: load an artifact directory and route prompts, one JSON line per prompt on stdout. */
import { loadFineRouter } from '../../adapters/node/artifacts.js';
import type { RouteOptions } from '../../router/router.js';
import type { Command } from '../command.js';
import { integerAtLeast, numberFlag, parseFlags, UsageError } from '../options.js';

const usage = `Usage: finerouter route --artifacts DIR [options] PROMPT...

Routes each PROMPT with a trained router and prints one JSON line per prompt:
{"prompt", "model", "task": {id, description, confidence} | null, "scores": [{model, stage1, stage2, final, cost, ...}], "explanation"}

Options:
  --artifacts DIR    artifact directory written by 'finerouter train' (required)
  --tolerance T      τ in [0, 1]: cheapest model within T of the best final score (default: manifest, usually 0)
  --alpha A          Eq. 5 weight of the prompt-specific score in [0, 1] (default: manifest)
  --local-weight W   share ω in [0, 1] of the local prior in Eq. 5's prior (default: manifest; 0 = the paper's Eq. 5)
  --willingness-to-pay L  pick argmax expected quality − L · cost (L quality points per USD) instead of the τ rule
  --allow m1,m2      only these models may be chosen
  --exclude m1,m2    these models may not be chosen
  --threads N        onnxruntime intra-op threads (default: onnxruntime's choice)
  --stdin            read prompts from stdin, one per line, in addition to PROMPT arguments
  --help             this text`;

function listOption(value: string | undefined): string[] | undefined {
  return value === undefined
    ? undefined
    : value
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s.length > 0);
}

async function readStdinLines(): Promise<string[]> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks)
    .toString('utf8')
    .split(/\r?\n/)
    .filter((line) => line.trim().length > 0);
}

export const routeCommand: Command = {
  name: 'route',
  summary: 'route prompts with a trained router (one JSON line per prompt)',
  usage,
  async run(argv) {
    const { values, positionals } = parseFlags(
      'route',
      argv,
      {
        artifacts: { type: 'string' },
        tolerance: { type: 'string' },
        alpha: { type: 'string' },
        'local-weight': { type: 'string' },
        'willingness-to-pay': { type: 'string' },
        allow: { type: 'string' },
        exclude: { type: 'string' },
        threads: { type: 'string' },
        stdin: { type: 'boolean' },
      },
      { positionals: true, required: ['artifacts'] },
    );
    const prompts = [...positionals, ...(values.stdin ? await readStdinLines() : [])];
    if (prompts.length === 0) throw new UsageError('route: give at least one PROMPT (or --stdin)');
    const options: RouteOptions = {};
    const tolerance = numberFlag('route', 'tolerance', values.tolerance, 'a number in [0, 1]', (x) => x >= 0 && x <= 1);
    const alpha = numberFlag('route', 'alpha', values.alpha, 'a number in [0, 1]', (x) => x >= 0 && x <= 1);
    const allowed = listOption(values.allow);
    const excluded = listOption(values.exclude);
    if (tolerance !== undefined) options.tolerance = tolerance;
    if (alpha !== undefined) options.alpha = alpha;
    const localWeight = numberFlag(
      'route',
      'local-weight',
      values['local-weight'],
      'a number in [0, 1]',
      (x) => x >= 0 && x <= 1,
    );
    if (localWeight !== undefined) options.localWeight = localWeight;
    const willingness = numberFlag(
      'route',
      'willingness-to-pay',
      values['willingness-to-pay'],
      'a finite number ≥ 0',
      (x) => x >= 0 && Number.isFinite(x),
    );
    if (willingness !== undefined) options.willingnessToPay = willingness;
    if (allowed !== undefined) options.allowedModels = allowed;
    if (excluded !== undefined) options.excludedModels = excluded;
    const threads = numberFlag('route', 'threads', values.threads, 'a non-negative integer', integerAtLeast(0));

    // A closed pipe (`finerouter route … | head -1`) is not an error of ours.
    process.stdout.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE') process.stderr.write(`route: cannot write to stdout: ${error.message}\n`);
    });
    const router = await loadFineRouter(values.artifacts!, threads !== undefined ? { intraOpNumThreads: threads } : {});
    try {
      const results = await router.routeBatch(prompts, options);
      results.forEach((r, i) => {
        const line = {
          prompt: prompts[i],
          model: r.model,
          task:
            r.task === null ? null : { id: r.task.id, description: r.task.description, confidence: r.task.confidence },
          scores: r.scores,
          explanation: r.explanation,
        };
        process.stdout.write(`${JSON.stringify(line)}\n`);
      });
    } finally {
      await router.dispose();
    }
    return 0;
  },
};
