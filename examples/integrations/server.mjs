// `finerouter serve` driven by the stock openai client. Starts the server as `npx finerouter serve` would, with a
// pool file pointing every router model at one endpoint, sends one routed and one streamed request, then SIGTERM.
// npm run demo; node examples/integrations/server.mjs [ARTIFACT_DIR]
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { ARTIFACTS, upstream } from './upstream.mjs';

const endpoint = await upstream();
const manifest = JSON.parse(await readFile(join(ARTIFACTS, 'manifest.json'), 'utf8'));
// pool.json: model id → base URL, upstream model name, key variable, prices per 1M tokens (see docs/integrations.md)
const pool = {
  models: Object.fromEntries(
    manifest.models.map((m) => [
      m.id,
      { baseUrl: endpoint.url, model: m.id, prices: { inputPer1M: 0, outputPer1M: 0 } },
    ]),
  ),
};
const poolFile = join(mkdtempSync(join(tmpdir(), 'finerouter-example-')), 'pool.json');
writeFileSync(poolFile, JSON.stringify(pool, null, 2));

const server = spawn(
  process.execPath,
  ['dist/cli.js', 'serve', '--artifacts', ARTIFACTS, '--pool', poolFile, '--port', '0'],
  { stdio: ['ignore', 'pipe', 'inherit'] },
);
const { url } = await new Promise((resolve) =>
  server.stdout.once('data', (line) => resolve(JSON.parse(line.toString().split('\n')[0]))),
);
try {
  const client = new OpenAI({ baseURL: `${url}/v1`, apiKey: 'unused' });
  const { data, response } = await client.chat.completions
    .create({ model: 'finerouter', messages: [{ role: 'user', content: 'Integrate x^2 sin x dx' }] })
    .withResponse();
  console.log(data.choices[0].message.content);
  console.log(
    'x-finerouter-model:',
    response.headers.get('x-finerouter-model'),
    '| task:',
    response.headers.get('x-finerouter-task') ?? 'Others',
  );
  const stream = await client.chat.completions.create({
    model: 'finerouter',
    messages: [{ role: 'user', content: 'Name three prime numbers.' }],
    stream: true,
  });
  for await (const chunk of stream) process.stdout.write(chunk.choices[0]?.delta?.content ?? '');
  console.log();
} finally {
  server.kill('SIGTERM');
  await endpoint.close();
}
