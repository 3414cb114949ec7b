import { cloudflareTest } from '@cloudflare/vitest-plugin';
import { defineConfig } from 'vitest/config';

// Two projects: `worker` runs inside workerd (the real runtime, with KV and Durable Objects);
// `node` runs pure-logic unit tests, origin-sync tests and end-to-end tests that start processes.
export default defineConfig({
  test: {
    projects: [
      {
        plugins: [cloudflareTest({ wrangler: { configPath: './wrangler.toml' } })],
        test: {
          name: 'worker',
          include: ['test/worker/**/*.test.ts'],
        },
      },
      {
        test: {
          name: 'node',
          environment: 'node',
          include: [
            'test/unit/**/*.test.ts',
            'test/origin-sync/**/*.test.ts',
            'test/e2e/**/*.test.ts',
          ],
          testTimeout: 30_000,
        },
      },
    ],
  },
});
