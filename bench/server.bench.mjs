// `finerouter serve` overhead and throughput, side by side with calling the upstream directly, in the same run.
// Run: `npm run bench -- server` (builds first), or `node bench/server.bench.mjs [--artifacts DIR] [--duration S]
// [--workers N]` (N > 0: the server embeds on N worker threads, `serve --workers N`).
// Needs trained artifacts (default finerouter-demo/artifacts, written by `npm run demo`).
//
// Three processes on the same machine: the fake OpenAI-compatible upstream (bench/fake-upstream.mjs, no added
// latency), the server (`node dist/cli.js serve --threads 1 --quiet`), and this process driving autocannon.
// Rows, each against the same upstream, non-streaming chat completions of real prompts from the shipped sample
// (rotated, so no two consecutive requests embed the same text):
//   direct       autocannon → upstream                                 (the reference)
//   pass-through autocannon → server (model "small") → upstream        (HTTP proxy cost only)
//   routed       autocannon → server (model "finerouter") → upstream   (proxy + MiniLM encode + heads + selection)
// Latency: p50/p99 with 1 connection (sequential: the overhead one request pays). Throughput: requests/s with
// 16 connections (sustained). Overhead = server row − direct row; ratios = server / direct.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir, cpus } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';

const { values } = parseArgs({
  options: {
    artifacts: { type: 'string', default: 'finerouter-demo/artifacts' },
    duration: { type: 'string', default: '8' },
    connections: { type: 'string', default: '16' },
    // `serve --workers N`: the encoder on N worker threads (createEncoderPool); 0 = in the server thread.
    workers: { type: 'string', default: '0' },
  },
});
const dir = values.artifacts;
const duration = Number(values.duration);
const connections = Number(values.connections);
if (!existsSync(join(dir, 'manifest.json'))) {
  console.error(
    `server bench: no artifacts at ${dir}; run \`npm run demo\` first (it writes finerouter-demo/artifacts) or pass --artifacts DIR`,
  );
  process.exit(2);
}
const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
const modelIds = manifest.models.map((m) => m.id);

const samplePrompts = readFileSync('examples/data/routing-sample.jsonl', 'utf8')
  .split('\n')
  .filter((l) => l.trim())
  .slice(0, 64)
  .map((l) => JSON.parse(l).prompt);
// Short chat-style prompts (8–20 words), as in bench/router.bench.mjs: the encoder's cost grows with length.
const shortPrompts = [
  'What is the capital of Australia?',
  'Write a Python function that returns the n-th Fibonacci number.',
  'Translate "where is the train station" into German.',
  'Explain in two sentences why the sky is blue.',
  'A train leaves at 3 pm at 60 km/h; another follows an hour later at 80 km/h. When does it catch up?',
  'Summarize the plot of Romeo and Juliet in one paragraph.',
  'Is 1001 a prime number? Explain briefly.',
  'Suggest a name for a bakery that sells only sourdough bread.',
];
const meanWords = (list) => (list.reduce((s, p) => s + p.split(/\s+/).length, 0) / list.length).toFixed(0);

/** Starts a child process and resolves with its first stdout line parsed as JSON. */
function start(args) {
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (c) => {
      out += c.toString();
      const nl = out.indexOf('\n');
      if (nl >= 0) resolve({ child, info: JSON.parse(out.slice(0, nl)) });
    });
    child.on('exit', (code) => reject(new Error(`${args.join(' ')} exited with ${code}`)));
  });
}

/** CPU time (user + system) of a process so far, ms, from /proc (Linux); undefined elsewhere. */
function cpuMs(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime, stime in clock ticks (USER_HZ 100)
  } catch {
    return undefined;
  }
}

function stop(child) {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

async function load(url, model, conns, prompts = samplePrompts) {
  let i = 0;
  const result = await autocannon({
    url: `${url}/chat/completions`,
    method: 'POST',
    connections: conns,
    duration,
    headers: { 'content-type': 'application/json' },
    requests: [
      {
        setupRequest(req) {
          const prompt = prompts[i++ % prompts.length];
          return {
            ...req,
            body: JSON.stringify({ model, messages: [{ role: 'user', content: prompt }], max_tokens: 16 }),
          };
        },
      },
    ],
  });
  if (result.non2xx > 0 || result.errors > 0)
    throw new Error(`${model} @ ${url}: ${result.non2xx} non-2xx, ${result.errors} errors`);
  return {
    p50: result.latency.p50,
    p99: result.latency.p99,
    rps: result.requests.average,
    total: result.requests.total,
  };
}

const tmp = mkdtempSync(join(tmpdir(), 'finerouter-server-bench-'));
const upstream = await start(['bench/fake-upstream.mjs', '--port', '0', '--latency', '0']);
const poolFile = join(tmp, 'pool.json');
writeFileSync(
  poolFile,
  JSON.stringify({
    models: Object.fromEntries(
      modelIds.map((id) => [id, { baseUrl: upstream.info.url, model: id, prices: { inputPer1M: 0, outputPer1M: 0 } }]),
    ),
  }),
);
const server = await start([
  'dist/cli.js',
  'serve',
  '--artifacts',
  dir,
  '--pool',
  poolFile,
  '--port',
  '0',
  '--threads',
  '1',
  '--workers',
  values.workers,
  '--quiet',
]);
const serverUrl = `${server.info.url}/v1`;
const small = modelIds[0];

try {
  // warm-up: JIT, keep-alive sockets, encoder session
  await load(upstream.info.url, small, 2);
  await load(serverUrl, 'finerouter', 2);
  const rows = [];
  const runs = [
    ['direct', upstream.info.url, small, samplePrompts],
    ['pass-through', serverUrl, small, samplePrompts],
    [`routed, sample prompts (mean ${meanWords(samplePrompts)} words)`, serverUrl, 'finerouter', samplePrompts],
    [`routed, short prompts (mean ${meanWords(shortPrompts)} words)`, serverUrl, 'finerouter', shortPrompts],
  ];
  for (const [name, url, model, prompts] of runs) {
    const before = loadavg()[0];
    const latency = await load(url, model, 1, prompts);
    const cpu0 = [cpuMs(upstream.child.pid), cpuMs(server.child.pid)];
    const throughput = await load(url, model, connections, prompts);
    const cpu1 = [cpuMs(upstream.child.pid), cpuMs(server.child.pid)];
    // CPU ms per request of each process during the throughput run: independent of how busy the machine is.
    const perRequest = cpu0.map((c, k) =>
      c === undefined || cpu1[k] === undefined ? undefined : (cpu1[k] - c) / throughput.total,
    );
    rows.push({ name, latency, throughput, perRequest, load: `${before.toFixed(1)}→${loadavg()[0].toFixed(1)}` });
  }
  const ref = rows[0];
  console.log(
    `server bench: ${cpus().length} CPUs (${cpus()[0]?.model ?? '?'}), node ${process.version}, artifacts ${dir} (${modelIds.length} models), serve --threads 1 --workers ${values.workers}, ${duration} s per run, load avg (1 min) shown per row`,
  );
  console.log(
    `| path | p50 ms (1 conn) | p99 ms (1 conn) | p50 overhead ms | p99 overhead ms | req/s (${connections} conn) | req/s ratio vs direct | upstream CPU ms/req | server CPU ms/req | load |`,
  );
  console.log('|---|---|---|---|---|---|---|---|---|---|');
  for (const r of rows) {
    const o50 = r === ref ? '—' : (r.latency.p50 - ref.latency.p50).toFixed(2);
    const o99 = r === ref ? '—' : (r.latency.p99 - ref.latency.p99).toFixed(2);
    const cpu = (x) => (x === undefined ? 'n/a' : x.toFixed(3));
    console.log(
      `| ${r.name} | ${r.latency.p50.toFixed(2)} | ${r.latency.p99.toFixed(2)} | ${o50} | ${o99} | ${r.throughput.rps.toFixed(0)} | ${(r.throughput.rps / ref.throughput.rps).toFixed(3)} | ${cpu(r.perRequest[0])} | ${r === ref ? '—' : cpu(r.perRequest[1])} | ${r.load} |`,
    );
  }
} finally {
  await stop(server.child);
  await stop(upstream.child);
  rmSync(tmp, { recursive: true, force: true });
}
