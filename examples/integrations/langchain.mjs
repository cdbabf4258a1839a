// LangChain.js: a chat model that routes among ChatOpenAI models.
// npm install @langchain/core @langchain/openai; npm run demo; node examples/integrations/langchain.mjs [ARTIFACT_DIR]
import { ChatOpenAI } from '@langchain/openai';
import { FineRouterChatModel } from 'finerouter/langchain';
import { loadFineRouter } from 'finerouter/node';
import { ARTIFACTS, upstream } from './upstream.mjs';

const endpoint = await upstream();
const router = await loadFineRouter(ARTIFACTS);
const chat = (model) =>
  new ChatOpenAI({ model, apiKey: endpoint.apiKey, configuration: { baseURL: endpoint.url }, maxRetries: 0 });
const model = new FineRouterChatModel({
  router,
  models: Object.fromEntries(router.models.map((id) => [id, chat(id)])),
});

try {
  const reply = await model.invoke([
    { role: 'system', content: 'Answer briefly.' },
    { role: 'user', content: 'Who wrote the novel Middlemarch?' },
  ]);
  console.log(reply.content);
  console.log('routed:', reply.response_metadata.finerouter.model, '|', reply.response_metadata.finerouter.explanation);
} finally {
  await router.dispose();
  await endpoint.close();
}
