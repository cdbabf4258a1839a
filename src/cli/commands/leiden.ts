/**
 * `finerouter leiden EDGES`: run the native Leiden (src/leiden) on an edge-list file and print one
 * JSON line. Reads the file, parses the arguments, times the algorithm; the logic lives in src/leiden.
 */
import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from '../../adapters/node/atomic-write.js';
import { gunzipSync } from 'node:zlib';
import { FineRouterError } from '../../errors.js';
import { buildGraph, leiden, LEIDEN_DEFAULTS, parseEdgeList } from '../../leiden/index.js';
import type { Command } from '../command.js';
import { choiceFlag, numberFlag, parseFlags, UsageError } from '../options.js';

const usage = `Usage: finerouter leiden EDGES [options]

Clusters an undirected weighted graph with the Leiden algorithm (Traag, Waltman & van Eck 2019) and prints
one JSON line: nodes, edges, objective, resolution, seed, modularity (Newman-Girvan, gamma = 1), quality
(the objective, igraph's normalized form), communities, iterations, seconds (algorithm only, no file I/O).

EDGES is a text file (or .gz) with one 'src dst [weight]' per line (0-based ids, weight 1 by default,
'#' lines skipped); n = max id + 1.

Options:
  --objective O         modularity (default) or cpm
  --resolution G        resolution gamma >= 0 (default ${LEIDEN_DEFAULTS.resolution})
  --randomness T        refinement randomness theta >= 0 (default ${LEIDEN_DEFAULTS.randomness})
  --seed N              PRNG seed (default ${LEIDEN_DEFAULTS.seed})
  --max-iterations N    stop after N iterations (default: until an iteration changes nothing)
  --membership-out FILE write the community of node i on line i
  --help                this text`;

export const leidenCommand: Command = {
  name: 'leiden',
  summary: 'cluster an edge-list graph with the native Leiden algorithm (prints one JSON line)',
  usage,
  async run(argv) {
    const { values, positionals } = parseFlags(
      'leiden',
      argv,
      {
        objective: { type: 'string' },
        resolution: { type: 'string' },
        randomness: { type: 'string' },
        seed: { type: 'string' },
        'max-iterations': { type: 'string' },
        'membership-out': { type: 'string' },
      },
      { positionals: true },
    );
    if (positionals.length !== 1)
      throw new UsageError(`leiden: expected one EDGES file, received ${positionals.length} arguments`);
    const path = positionals[0]!;
    const objective =
      choiceFlag('leiden', 'objective', values.objective, ['modularity', 'cpm'] as const) ?? LEIDEN_DEFAULTS.objective;
    const resolution =
      numberFlag('leiden', 'resolution', values.resolution, 'a number', (x) => !Number.isNaN(x)) ??
      LEIDEN_DEFAULTS.resolution;
    const randomness =
      numberFlag('leiden', 'randomness', values.randomness, 'a number', (x) => !Number.isNaN(x)) ??
      LEIDEN_DEFAULTS.randomness;
    const seed = numberFlag('leiden', 'seed', values.seed, 'a number', (x) => !Number.isNaN(x)) ?? LEIDEN_DEFAULTS.seed;
    const maxIterations =
      numberFlag('leiden', 'max-iterations', values['max-iterations'], 'a number', (x) => !Number.isNaN(x)) ??
      LEIDEN_DEFAULTS.maxIterations;

    const bytes = await readFile(path).catch((error: unknown) => {
      throw new FineRouterError('DATA_INVALID', `leiden: cannot read ${path}`, { cause: error });
    });
    const text = (path.endsWith('.gz') ? gunzipSync(bytes) : bytes).toString('utf8');
    let graph;
    try {
      graph = buildGraph(parseEdgeList(text));
    } catch (error) {
      throw new FineRouterError('DATA_INVALID', `leiden: ${path}: ${(error as Error).message}`, { cause: error });
    }
    const started = performance.now();
    const result = leiden(graph, { objective, resolution, randomness, seed, maxIterations });
    const seconds = (performance.now() - started) / 1000;
    if (values['membership-out'] !== undefined) {
      await writeFileAtomic(values['membership-out'], Array.from(result.membership, (c) => `${c}\n`).join(''));
    }
    const line = {
      file: path,
      nodes: graph.nodeCount,
      edges: graph.edgeCount,
      objective,
      resolution,
      seed,
      modularity: result.modularity,
      quality: result.quality,
      communities: result.communityCount,
      iterations: result.iterations,
      seconds: Number(seconds.toFixed(4)),
    };
    process.stdout.write(`${JSON.stringify(line)}\n`);
    return 0;
  },
};
