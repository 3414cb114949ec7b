import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { cloudflareTest } from '@cloudflare/vitest-plugin';
import { exportJWK, generateKeyPair } from 'jose';
import { defineConfig } from 'vitest/config';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The private half (JWK JSON) of the key the worker's SYNC_PUBLIC_KEY verifies. */
    syncPrivateJwk: string;
  }
}

// A fresh /_sync key pair per run: the worker gets the public key as its binding, tests sign
// with the private key (vitest `inject('syncPrivateJwk')`). Nothing is written to disk.
const syncKeys = await generateKeyPair('EdDSA', { extractable: true });
const SYNC_PUBLIC_KEY = JSON.stringify(await exportJWK(syncKeys.publicKey));
const syncPrivateJwk = JSON.stringify(await exportJWK(syncKeys.privateKey));

const TEXT_MODULE = '\0text:';
const TEXT_SUFFIX = '.text';

/**
 * Node tests import the worker's render code, which imports templates and CSS as text
 * (wrangler.toml's Text rule); this does the same for Vite, ahead of its CSS handling.
 */
const textModules = {
  name: 'text-modules',
  enforce: 'pre' as const,
  resolveId(source: string, importer: string | undefined) {
    if (!importer || !/\.(mustache|css|txt)$/.test(source)) return null;
    // The id must not end in `.css`: Vite's CSS plugin would still claim it and empty it.
    return `${TEXT_MODULE}${resolve(dirname(importer), source)}${TEXT_SUFFIX}`;
  },
  load(id: string) {
    if (!id.startsWith(TEXT_MODULE)) return null;
    const file = id.slice(TEXT_MODULE.length, -TEXT_SUFFIX.length);
    return `export default ${JSON.stringify(readFileSync(file, 'utf8'))};`;
  },
};

// Two projects: `worker` runs inside workerd (the real runtime, with KV and Durable Objects);
// `node` runs pure-logic unit tests, origin-sync tests and end-to-end tests that start processes.
export default defineConfig({
  test: {
    projects: [
      {
        plugins: [
          cloudflareTest({
            wrangler: { configPath: './wrangler.toml' },
            miniflare: {
              bindings: {
                SYNC_PUBLIC_KEY,
                // Coordinator tests drive renders with runDurableObjectAlarm and their own clock;
                // real alarms must not fire in between.
                RENDER_DEBOUNCE_MS: '600000',
                RENDER_MAX_WAIT_MS: '600000',
                RENDER_LEADING_EDGE: 'off',
              },
            },
          }),
        ],
        test: {
          name: 'worker',
          include: ['test/worker/**/*.test.ts'],
          // Property tests run hundreds of cases through workerd; on 2 busy cores they pass 5 s.
          testTimeout: 30_000,
          provide: { syncPrivateJwk },
        },
      },
      {
        plugins: [textModules],
        test: {
          name: 'node',
          environment: 'node',
          include: [
            'test/unit/**/*.test.ts',
            'test/origin-sync/**/*.test.ts',
            'test/e2e/**/*.test.ts',
          ],
          testTimeout: 30_000,
          // An end-to-end file's afterAll stops origin-sync (its drain is up to 2 s) and the
          // worker's workerd; on 2 cores under CI's load that passed the default 10 s once.
          hookTimeout: 30_000,
          provide: { syncPrivateJwk },
        },
      },
    ],
  },
});
