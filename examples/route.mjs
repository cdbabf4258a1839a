// Minimal use of a trained router. Train one first (`npm run demo` writes ./finerouter-demo/artifacts),
// then: node examples/route.mjs [ARTIFACT_DIR] [PROMPT...]
import { loadFineRouter } from 'finerouter/node';

const [dir = 'finerouter-demo/artifacts', ...args] = process.argv.slice(2);
const prompts =
  args.length > 0 ? args : ['What is the derivative of x^3 * sin(x)?', 'Who wrote the novel Middlemarch?'];

const router = await loadFineRouter(dir); // checks files, checksums, schema and encoder before the first route
try {
  for (const prompt of prompts) {
    const best = await router.route(prompt); // τ = 0: the best predicted quality
    const cheap = await router.route(prompt, { tolerance: 0.1 }); // cheapest model within 0.1 of the best
    console.log(prompt);
    console.log(`  best quality: ${best.model}  (${best.explanation})`);
    console.log(`  τ = 0.1:      ${cheap.model}`);
  }
} finally {
  await router.dispose();
}
