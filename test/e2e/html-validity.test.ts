// The Nu HTML Checker (vnu-jar, the W3C validator's engine, run with Java) finds no error in
// a status page of each language, nor in an incident page, the history and a 401 page of the
// right-to-left ones. One Java process checks every file at once.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, expect, it } from 'vitest';
import { LANGUAGES } from '../../worker/domain/languages.ts';
import { renderVariant } from '../../worker/render/documents.ts';
import { messagePage } from '../../worker/render/message-pages.ts';
import { renderSubscriptionPage, type SubscriptionPage } from '../../worker/subscriptions/pages.ts';
import { maskedDemoPage } from '../support/i18n-pages.ts';

const run = promisify(execFile);
const require = createRequire(import.meta.url);
const VNU = join(dirname(require.resolve('vnu-jar/package.json')), 'build/dist/vnu.jar');
const NOW = new Date('2026-11-21T10:00:00Z');

let dir: string | undefined;
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

it('finds no HTML error in a page of every language', async () => {
  dir = await mkdtemp(join(tmpdir(), 'vnu-'));
  const files: string[] = [];
  for (const l of LANGUAGES) {
    const docs = await renderVariant(maskedDemoPage(NOW, l), 'public', NOW);
    const wanted = ['/'];
    if (l === 'ar' || l === 'he' || l === 'ja')
      wanted.push('/history', '/incidents/inc_api_errors');
    for (const d of docs.filter((d) => wanted.includes(d.path))) {
      const file = join(dir, `${l}${d.path.replaceAll('/', '_')}.html`);
      await writeFile(file, d.body);
      files.push(file);
    }
    if (l === 'ar' || l === 'he') {
      const file = join(dir, `${l}_401.html`);
      await writeFile(file, (await messagePage('unauthorized', l)).body);
      files.push(file);
    }
  }
  // A page with more than one language: hreflang alternates and the language menu.
  const several = await renderVariant(maskedDemoPage(NOW, 'en', ['de', 'ar']), 'public', NOW);
  const arabic = several.find((d) => d.path === '/ar/');
  const file = join(dir, 'several_ar.html');
  await writeFile(file, arabic!.body);
  files.push(file);

  // The subscription pages and a notification email's HTML part (worker/subscriptions/).
  const look = { name: 'Acme <Cloud>', branding: { theme: 'dark' as const } };
  const services = [
    { id: 'api', name: 'Public API', checked: true },
    { id: 'db', name: 'Database', checked: false },
  ];
  const subscriptionPages: [string, SubscriptionPage][] = [
    [
      'form',
      {
        kind: 'form',
        action: '/subscribe',
        email: 'x',
        webhook: '',
        services,
        incident: { id: 'inc_1', name: 'API errors' },
        errors: ['email', 'component'],
      },
    ],
    ['confirm', { kind: 'confirm', action: '/subscribe/confirm/t' }],
    ['confirmed', { kind: 'confirmed', secret: 'ab'.repeat(24) }],
    [
      'manage',
      {
        kind: 'manage',
        action: '/subscribe/manage/t',
        address: 'a@example.org',
        services,
        stopped: false,
        saved: true,
      },
    ],
    [
      'unsubscribe',
      {
        kind: 'unsubscribe',
        action: '/subscribe/unsubscribe/t',
        address: 'a@example.org',
        manageHref: '/m',
      },
    ],
    ['bad_link', { kind: 'bad_link' }],
  ];
  for (const language of ['en', 'ar'] as const) {
    for (const [name, page] of subscriptionPages) {
      const file = join(dir, `subscribe_${language}_${name}.html`);
      await writeFile(file, (await renderSubscriptionPage(look, language, '/', page)).body);
      files.push(file);
    }
  }

  const out = await run('java', ['-jar', VNU, '--errors-only', '--format', 'json', ...files], {
    maxBuffer: 16 * 1024 * 1024,
  }).then(
    (r) => r.stderr || r.stdout,
    // It exits 1 when it found errors: they are in its report all the same.
    (e: { stdout?: string; stderr?: string }) => e.stderr || e.stdout || String(e),
  );
  const report = JSON.parse(out) as { messages: { type: string; url?: string; message: string }[] };
  const errors = report.messages
    .filter((m) => m.type === 'error' || m.type === 'non-document-error')
    .map((m) => `${(m.url ?? '').split('/').pop()}: ${m.message}`);
  expect(errors).toEqual([]);
}, 180_000);
