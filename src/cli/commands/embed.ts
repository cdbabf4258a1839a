/**
 * `finerouter embed TEXT...`: embeds texts with the embedded all-MiniLM-L6-v2 encoder (or an ONNX
 * sentence-transformers export) and prints one JSON line per text: { "text", "dims", "embedding" }.
 * Flags and output only; the work is loadMiniLmEncoder / loadOnnxSentenceEncoder.
 */
import type { Command } from '../command.js';
import { cachePaths, defaultCacheDir } from '../../adapters/node/cache-dir.js';
import { loadMiniLmEncoder, loadOnnxSentenceEncoder } from '../../adapters/node/minilm.js';
import { createEncoderPool } from '../../adapters/node/encoder-pool.js';
import { choiceFlag, integerAtLeast, numberFlag, parseFlags, UsageError } from '../options.js';
import { createProgress } from '../progress.js';

const FLAGS = {
  stdin: { type: 'boolean' },
  threads: { type: 'string' },
  providers: { type: 'string' },
  cache: { type: 'string' },
  'no-cache': { type: 'boolean' },
  /** Deprecated spelling of --cache (kept so existing scripts keep working). */
  'cache-dir': { type: 'string' },
  model: { type: 'string' },
  tokenizer: { type: 'string' },
  pooling: { type: 'string' },
  precision: { type: 'string' },
  workers: { type: 'string' },
} as const;

async function readStdinLines(): Promise<string[]> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks)
    .toString('utf8')
    .split('\n')
    .filter((line) => line.length > 0);
}

export const embedCommand: Command = {
  name: 'embed',
  summary: 'print sentence embeddings (all-MiniLM-L6-v2 by default) as JSON lines',
  usage: [
    'Usage: finerouter embed [options] TEXT...',
    '       finerouter embed [options] --stdin   (one text per input line)',
    '',
    'Prints one JSON line per text: {"text": ..., "dims": 384, "embedding": [...]} (L2-normalized).',
    'Runs offline with the embedded all-MiniLM-L6-v2 weights; texts over 256 word pieces are truncated.',
    '',
    'Options:',
    '  --threads N          onnxruntime intra-op threads (default: onnxruntime chooses)',
    '  --providers LIST     execution providers, e.g. cuda,cpu (default cpu; falls back to cpu)',
    '  --stdin              read texts from stdin, one per line (also: a lone -)',
    '  --cache DIR          cache root; the built MiniLM .onnx goes to DIR/minilm (default $XDG_CACHE_HOME/finerouter,',
    '                       else ~/.cache/finerouter; --cache-dir is the old spelling)',
    '  --no-cache           build the encoder in memory',
    '  --model FILE         use an ONNX sentence-transformers export instead (needs --tokenizer)',
    '  --tokenizer FILE     its tokenizer.json',
    '  --pooling MODE       pooling for --model per-token outputs: mean|cls|max|lasttoken (default mean)',
    '  --precision P        fp32|int8: arithmetic of the embedded MiniLM (default fp32; int8 is ~2.4x faster on',
    '                       CPUs with VNNI, cosine to fp32 ~0.994, a different encoder id; see docs/encoder.md)',
    '  --workers N          embed on N worker threads, each a 1-thread session, in length-bucketed batches',
    '                       (default 0: in this thread with --threads)',
  ].join('\n'),
  async run(argv: readonly string[]): Promise<number> {
    // Everything after `--` is text, even when it looks like a flag or is a lone `-`.
    const end = argv.indexOf('--');
    const { values, positionals } = parseFlags('embed', end < 0 ? argv : argv.slice(0, end), FLAGS, {
      positionals: true,
    });
    const threads = numberFlag('embed', 'threads', values.threads, 'an integer ≥ 1', integerAtLeast(1));
    const workers = numberFlag('embed', 'workers', values.workers, 'an integer ≥ 0', integerAtLeast(0));
    const providers = values.providers
      ?.split(',')
      .map((x) => x.trim())
      .filter((x) => x.length > 0);
    if (workers !== undefined && workers > 0 && (threads !== undefined || providers !== undefined))
      throw new UsageError('embed: --workers runs 1-thread CPU sessions; drop --threads / --providers');
    const pooling = choiceFlag('embed', 'pooling', values.pooling, ['mean', 'cls', 'max', 'lasttoken'] as const);
    const precision = choiceFlag('embed', 'precision', values.precision, ['fp32', 'int8'] as const);
    if (precision !== undefined && values.model !== undefined)
      throw new UsageError('embed: --precision applies to the embedded MiniLM, not to --model');
    if ((values.model === undefined) !== (values.tokenizer === undefined))
      throw new UsageError('embed: --model and --tokenizer go together');
    const stdin = values.stdin === true || positionals.includes('-');
    const given = [...positionals.filter((t) => t !== '-'), ...(end < 0 ? [] : argv.slice(end + 1))];
    const texts = stdin ? [...given, ...(await readStdinLines())] : given;
    if (texts.length === 0) throw new UsageError('embed: no text given (pass TEXT... or --stdin)');
    const cacheRoot = values.cache ?? values['cache-dir'];
    const cacheDir = values['no-cache'] ? undefined : cachePaths(cacheRoot ?? defaultCacheDir()).encoder;
    const common = {
      ...(threads === undefined ? {} : { intraOpNumThreads: threads }),
      ...(providers === undefined ? {} : { executionProviders: providers }),
    };
    const encoder =
      workers !== undefined && workers > 0
        ? await createEncoderPool({
            workers,
            encoder:
              values.model !== undefined && values.tokenizer !== undefined
                ? {
                    kind: 'onnx',
                    model: values.model,
                    tokenizer: values.tokenizer,
                    ...(pooling === undefined ? {} : { pooling }),
                  }
                : {
                    kind: 'minilm',
                    ...(cacheDir === undefined ? {} : { cacheDir }),
                    ...(precision === undefined ? {} : { precision }),
                  },
          })
        : values.model !== undefined && values.tokenizer !== undefined
          ? await loadOnnxSentenceEncoder({
              model: values.model,
              tokenizer: values.tokenizer,
              ...(pooling === undefined ? {} : { pooling }),
              ...common,
            })
          : await loadMiniLmEncoder({
              ...common,
              ...(cacheDir === undefined ? {} : { cacheDir }),
              ...(precision === undefined ? {} : { precision }),
            });
    const progress = createProgress({ prefix: 'embed' });
    try {
      const vectors = await encoder.embed(texts, {
        onProgress: (done, total) => {
          if (total > 64) progress.update('texts', done, total);
        },
      });
      progress.end();
      const d = encoder.dimension;
      const lines: string[] = [];
      for (let i = 0; i < texts.length; i++) {
        lines.push(
          JSON.stringify({ text: texts[i], dims: d, embedding: Array.from(vectors.subarray(i * d, (i + 1) * d)) }),
        );
      }
      process.stdout.write(`${lines.join('\n')}\n`);
    } finally {
      await encoder.dispose();
    }
    return 0;
  },
};
