import { defineConfig } from 'vitest/config';

export default defineConfig({
  // Resolve workspace packages to their sources (see tsconfig.base.json customConditions).
  resolve: { conditions: ['@tdlab/source'] },
  ssr: { resolve: { conditions: ['@tdlab/source'] } },
  test: {
    include: ['packages/*/src/**/*.test.ts', 'plugins/*/src/**/*.test.ts', 'examples/*/src/**/*.test.ts', 'test/**/*.test.ts'],
    benchmark: { include: ['packages/*/bench/**/*.bench.ts', 'test/bench/**/*.bench.ts'] },
    testTimeout: 60_000,
    pool: 'forks',
  },
});
