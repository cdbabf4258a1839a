// Shared by the integration examples: the OpenAI-compatible endpoint to call. With UPSTREAM_URL set (e.g.
// http://127.0.0.1:8000/v1 of a vLLM server, or https://api.openai.com/v1 with OPENAI_API_KEY) the examples call it;
// without, they start the repository's fake upstream on 127.0.0.1 (answers "[model] your prompt"), so every example
// runs offline right after `npm run demo`.
import { startFakeUpstream } from '../../bench/fake-upstream.mjs';

export async function upstream() {
  if (process.env.UPSTREAM_URL)
    return { url: process.env.UPSTREAM_URL, apiKey: process.env.OPENAI_API_KEY ?? 'none', close: async () => {} };
  const fake = await startFakeUpstream();
  return { url: fake.url, apiKey: 'none', close: () => fake.close() };
}

export const ARTIFACTS = process.argv[2] ?? 'finerouter-demo/artifacts';
