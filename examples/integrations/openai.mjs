// OpenAI Node SDK: chat.completions.create with model "finerouter" routes on the messages.
// npm install openai; npm run demo; node examples/integrations/openai.mjs [ARTIFACT_DIR]
import OpenAI from 'openai';
import { loadFineRouter } from 'finerouter/node';
import { createRoutedOpenAI } from 'finerouter/openai';
import { ARTIFACTS, upstream } from './upstream.mjs';

const endpoint = await upstream();
const router = await loadFineRouter(ARTIFACTS);
// maxRetries 0: the router's fallback chain moves to the next model instead of retrying the same one.
const client = new OpenAI({ baseURL: endpoint.url, apiKey: endpoint.apiKey, maxRetries: 0 });
const openai = createRoutedOpenAI({ router, models: Object.fromEntries(router.models.map((id) => [id, client])) });

try {
  const completion = await openai.chat.completions.create({
    model: 'finerouter',
    messages: [{ role: 'user', content: 'Write a haiku about autumn.' }],
    finerouter: { tolerance: 0.1, maxAttempts: 2 }, // per-request routing options (removed before the upstream call)
  });
  console.log(completion.choices[0].message.content);
  console.log(
    'routed:',
    completion.finerouter.model,
    '| attempts:',
    completion.finerouter.attempts.map((a) => `${a.model}:${a.outcome}`).join(', '),
  );

  const stream = await openai.chat.completions.create({
    model: 'finerouter',
    messages: [{ role: 'user', content: 'What is 12 times 7?' }],
    stream: true,
  });
  for await (const chunk of stream) process.stdout.write(chunk.choices[0]?.delta?.content ?? '');
  console.log('\nrouted:', stream.finerouter.model);
} finally {
  await router.dispose();
  await endpoint.close();
}
