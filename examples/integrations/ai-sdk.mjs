// Vercel AI SDK: one model that routes every generateText / streamText call among the pool.
// npm install ai @ai-sdk/openai-compatible; npm run demo; node examples/integrations/ai-sdk.mjs [ARTIFACT_DIR]
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import { generateText, streamText } from 'ai';
import { createFineRouterModel } from 'finerouter/ai-sdk';
import { loadFineRouter } from 'finerouter/node';
import { ARTIFACTS, upstream } from './upstream.mjs';

const endpoint = await upstream();
const router = await loadFineRouter(ARTIFACTS);
const provider = createOpenAICompatible({ name: 'pool', baseURL: endpoint.url, apiKey: endpoint.apiKey });
// router model id → AI SDK model (here one endpoint serves them all under the same names)
const models = Object.fromEntries(router.models.map((id) => [id, provider.chatModel(id)]));
const model = createFineRouterModel({ router, models, routing: { tolerance: 0.05 } });

try {
  const { text, providerMetadata } = await generateText({
    model,
    prompt: 'Prove that the square root of 2 is irrational.',
  });
  console.log(text);
  console.log(
    'routed:',
    providerMetadata.finerouter.model,
    '| task:',
    providerMetadata.finerouter.task?.description.slice(0, 60) ?? 'Others',
  );

  // A conversation, streamed, with a per-call budget (expected USD per call).
  const result = streamText({
    model,
    system: 'You are a concise assistant.',
    messages: [{ role: 'user', content: 'Translate "good morning" into French.' }],
    providerOptions: { finerouter: { maxCost: 0.001 } },
  });
  for await (const delta of result.textStream) process.stdout.write(delta);
  console.log('\nrouted:', (await result.providerMetadata).finerouter.model);
} finally {
  await router.dispose();
  await endpoint.close();
}
