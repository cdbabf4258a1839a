import { defineConfig } from 'tsup';

// Entry points mirror the exports map: the pure core, training and evaluation (pure), one runtime adapter per
// platform, and one per framework integration (ai-sdk, openai, langchain: their frameworks are optional peers and
// stay external). `internal` is for bench/ only (not in the exports map, not API).
// The CLI is ESM only (it runs under Node). Runtimes stay external: they are optional peers.
export default defineConfig([
  {
    entry: {
      index: 'src/index.ts',
      train: 'src/train.ts',
      eval: 'src/eval.ts',
      internal: 'src/internal.ts',
      node: 'src/node.ts',
      web: 'src/web.ts',
      'ai-sdk': 'src/ai-sdk.ts',
      openai: 'src/openai.ts',
      langchain: 'src/langchain.ts',
      label: 'src/label.ts',
      // Started by createEncoderPool (finerouter/node) as a worker thread, by path; not in the exports map.
      'encoder-worker': 'src/adapters/node/encoder-worker.ts',
    },
    format: ['esm', 'cjs'],
    dts: true,
    sourcemap: true,
    clean: true,
    target: 'es2022',
    platform: 'neutral',
    external: [
      'onnxruntime-node',
      'onnxruntime-web',
      '@huggingface/tokenizers',
      /^node:/,
      '@ai-sdk/provider',
      'openai',
      /^@langchain\//,
    ],
  },
  {
    entry: { cli: 'src/cli/main.ts' },
    format: ['esm'],
    sourcemap: true,
    target: 'node20',
    platform: 'node',
    banner: { js: '#!/usr/bin/env node' },
    external: ['onnxruntime-node', 'onnxruntime-web', '@huggingface/tokenizers'],
  },
]);
