/**
 * `finerouter embed TEXT...`: embeds texts with the embedded all-MiniLM-L6-v2 encoder (or an ONNX
 * sentence-transformers export) and prints one JSON line per text: { "text", "dims", "embedding" }.
 * Argument parsing only; the work is loadMiniLmEncoder / loadOnnxSentenceEncoder.
 */
import type { Command } from '../command.js';
import { loadMiniLmEncoder, loadOnnxSentenceEncoder } from '../../adapters/node/minilm.js';
import type { PoolingMode } from '../../encoder/sentence-encoder.js';

interface EmbedArgs {
  texts: string[];
  stdin: boolean;
  threads?: number;
  providers?: string[];
  cacheDir?: string;
  model?: string;
  tokenizer?: string;
  pooling?: PoolingMode;
}

function parseArgs(argv: readonly string[]): EmbedArgs {
  const args: EmbedArgs = { texts: [], stdin: false };
  const value = (i: number, flag: string): string => {
    const v = argv[i + 1];
    if (v === undefined) throw new RangeError(`finerouter embed: expected a value after ${flag}`);
    return v;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      args.texts.push(...argv.slice(i + 1));
      break;
    } else if (a === '--stdin' || a === '-') args.stdin = true;
    else if (a === '--threads') {
      const n = Number(value(i++, a));
      if (!Number.isInteger(n) || n < 1) throw new RangeError(`finerouter embed: expected --threads as a positive integer, received ${argv[i]}`);
      args.threads = n;
    } else if (a === '--providers') args.providers = value(i++, a).split(',').map((s) => s.trim()).filter((s) => s.length > 0);
    else if (a === '--cache-dir') args.cacheDir = value(i++, a);
    else if (a === '--model') args.model = value(i++, a);
    else if (a === '--tokenizer') args.tokenizer = value(i++, a);
    else if (a === '--pooling') {
      const p = value(i++, a);
      if (!['mean', 'cls', 'max', 'lasttoken'].includes(p)) throw new RangeError(`finerouter embed: expected --pooling mean|cls|max|lasttoken, received ${p}`);
      args.pooling = p as PoolingMode;
    } else if (a.startsWith('--')) throw new RangeError(`finerouter embed: unknown option ${a}`);
    else args.texts.push(a);
  }
  if ((args.model === undefined) !== (args.tokenizer === undefined)) throw new RangeError('finerouter embed: --model and --tokenizer go together');
  return args;
}

async function readStdinLines(): Promise<string[]> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').split('\n').filter((line) => line.length > 0);
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
    '  --cache-dir DIR      cache the built MiniLM .onnx in DIR',
    '  --model FILE         use an ONNX sentence-transformers export instead (needs --tokenizer)',
    '  --tokenizer FILE     its tokenizer.json',
    '  --pooling MODE       pooling for --model per-token outputs: mean|cls|max|lasttoken (default mean)',
  ].join('\n'),
  async run(argv: readonly string[]): Promise<number> {
    const args = parseArgs(argv);
    const texts = args.stdin ? [...args.texts, ...(await readStdinLines())] : args.texts;
    if (texts.length === 0) {
      process.stderr.write('finerouter embed: no text given. Run `finerouter embed --help`.\n');
      return 2;
    }
    const common = {
      ...(args.threads === undefined ? {} : { intraOpNumThreads: args.threads }),
      ...(args.providers === undefined ? {} : { executionProviders: args.providers }),
    };
    const encoder =
      args.model !== undefined && args.tokenizer !== undefined
        ? await loadOnnxSentenceEncoder({ model: args.model, tokenizer: args.tokenizer, ...(args.pooling === undefined ? {} : { pooling: args.pooling }), ...common })
        : await loadMiniLmEncoder({ ...common, ...(args.cacheDir === undefined ? {} : { cacheDir: args.cacheDir }) });
    try {
      const vectors = await encoder.embed(texts, {
        onProgress: (done, total) => {
          if (total > 64) process.stderr.write(`\rembedded ${done}/${total}`);
        },
      });
      if (texts.length > 64) process.stderr.write('\n');
      const d = encoder.dimension;
      const lines: string[] = [];
      for (let i = 0; i < texts.length; i++) {
        lines.push(JSON.stringify({ text: texts[i], dims: d, embedding: Array.from(vectors.subarray(i * d, (i + 1) * d)) }));
      }
      process.stdout.write(`${lines.join('\n')}\n`);
    } finally {
      await encoder.dispose();
    }
    return 0;
  },
};
