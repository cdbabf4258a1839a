import { defineConfig } from 'vitest/config';

// pool 'forks': onnxruntime-node checks typed arrays with instanceof, which fails across vm realms.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 120_000,
    typecheck: { enabled: false },
  },
});
