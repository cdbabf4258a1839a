import { defineConfig } from 'tsup';

// Three entry points mirror the exports map: the pure core, and one runtime adapter per platform.
// The CLI is ESM only (it runs under Node). Runtimes stay external: they are optional peers.
export default defineConfig([
  {
    entry: { index: 'src/index.ts', node: 'src/node.ts', web: 'src/web.ts' },
    format: ['esm', 'cjs'],
    dts: true,
    sourcemap: true,
    clean: true,
    target: 'es2022',
    platform: 'neutral',
    external: ['onnxruntime-node', 'onnxruntime-web', '@huggingface/tokenizers', /^node:/],
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
