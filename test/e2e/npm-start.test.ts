// `npm start` end to end (docs/contract.md §4): it serves the demo through the real path, prints
// working links with valid tokens, stops cleanly on Ctrl-C, and a second run reuses its state.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { importJWK, type JWK, jwtVerify } from 'jose';
import { afterAll, describe, expect, it } from 'vitest';
import { DEMO_ISSUER } from '../../scripts/lib/demo-events.ts';
import { fetchWithHost, freePort } from '../../scripts/lib/system.ts';
import { waitFor } from '../support/wait.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const children: ChildProcess[] = [];

interface Run {
  child: ChildProcess;
  output: () => string;
  ready: Promise<void>;
  exited: Promise<number | null>;
}

function npmStart(env: Record<string, string>): Run {
  const child = spawn(process.execPath, [join(ROOT, 'scripts/start.ts')], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let out = '';
  const ready = new Promise<void>((resolveReady, reject) => {
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('Ctrl-C stops both')) resolveReady();
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => reject(new Error(`npm start exited (${code}):\n${out}`)));
  });
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return { child, output: () => out, ready, exited };
}

afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
});

describe('npm start', () => {
  it('serves the demo with token links, stops on Ctrl-C, and restarts on its own state', async () => {
    const stateDir = await mkdtemp(join(tmpdir(), 'esp-start-'));
    const workerPort = await freePort();
    const syncPort = await freePort();
    const smtpPort = await freePort();
    const inboxPort = await freePort();
    const env = {
      STATE_DIR: stateDir,
      WORKER_PORT: String(workerPort),
      SYNC_PORT: String(syncPort),
      LOCAL_SMTP_PORT: String(smtpPort),
      LOCAL_INBOX_PORT: String(inboxPort),
      SMTP_URL: '',
      CORE_SIGNING_SECRET: 'npm-start-test-secret',
    };
    const worker = new URL(`http://127.0.0.1:${workerPort}`);

    const first = npmStart(env);
    await first.ready;
    const out = first.output();
    expect(out).toContain(`http://demo.localhost:${workerPort}/`);
    expect(out).toMatch(/Demo data: (\d+) signed core events \(\1 new, 0 already known\)/);
    const demo = await fetchWithHost(worker, 'http://demo.localhost/');
    expect(demo.status).toBe(200);
    expect(await demo.text()).toContain('Acme Cloud');

    // The printed links carry tokens the demo pages trust: the demo issuer's, for that page.
    const issuer = JSON.parse(
      await readFile(join(stateDir, 'keys', 'demo-issuer-public.jwk.json'), 'utf8'),
    ) as JWK;
    const key = await importJWK(issuer, 'EdDSA');
    const link = (host: string, label: string) => {
      const m = new RegExp(`${label}\\s+(http://${host}:${workerPort}/\\?token=(\\S+))`).exec(out);
      expect(m, label).not.toBeNull();
      return m?.[2] ?? '';
    };
    const verify = async (token: string, audience: string) =>
      (await jwtVerify(token, key, { issuer: DEMO_ISSUER, audience, algorithms: ['EdDSA'] }))
        .payload;
    const priv = await verify(link('private.localhost', 'Private page'), 'page_internal');
    expect(priv.exp).toBeGreaterThan(Date.now() / 1000 + 29 * 86_400);
    const gold = await verify(link('partners.localhost', 'Partners \\(gold\\)'), 'page_partners');
    expect(gold.audience).toBe('gold');
    const silver = await verify(
      link('partners.localhost', 'Partners \\(silver\\)'),
      'page_partners',
    );
    expect(silver.audience).toBe('silver');

    // And they open their pages: the link trades the token for a cookie on the clean URL,
    // and the token shows the page (each partner only its own slice).
    const privLink = link('private.localhost', 'Private page');
    const opened = await fetchWithHost(worker, `http://private.localhost/?token=${privLink}`);
    expect(opened.status).toBe(303);
    expect(opened.headers.get('Location')).toBe('/');
    expect(opened.headers.get('Set-Cookie')).toMatch(/^__Host-status-token=.+HttpOnly/);
    const page = async (host: string, token: string) => {
      const res = await fetchWithHost(worker, `http://${host}/`, {
        headers: { Authorization: `Bearer ${token}` },
      });
      return res.status === 200 ? res.text() : null;
    };
    expect(await waitFor(() => page('private.localhost', privLink))).toContain('Acme Internal');
    const goldPage = await waitFor(() =>
      page('partners.localhost', link('partners.localhost', 'Partners \\(gold\\)')),
    );
    expect(goldPage).toContain('Public API');
    expect(goldPage).not.toContain('Email notifications');
    const silverPage = await waitFor(() =>
      page('partners.localhost', link('partners.localhost', 'Partners \\(silver\\)')),
    );
    expect(silverPage).toContain('Email notifications');
    expect(silverPage).not.toContain('Public API');

    // The printed operator token opens the explorer; without it, it stays shut.
    const operator = /Authorization: Bearer (\S+)'/.exec(out)?.[1] ?? '';
    const explorer = `http://127.0.0.1:${syncPort}/v1/pages/page_demo/events`;
    expect((await fetch(explorer)).status).toBe(401);
    const asOperator = { headers: { Authorization: `Bearer ${operator}` } };
    expect((await fetch(explorer, asOperator)).status).toBe(200);
    // The explorer for people is printed too, and shows its sign-in page to a stranger.
    const printed = /Event explorer\s+(\S+)/.exec(out)?.[1] ?? '';
    expect(printed).toBe(`http://127.0.0.1:${syncPort}/explorer/pages/page_demo`);
    const signIn = await fetch(printed);
    expect(signIn.status).toBe(401);
    expect(await signIn.text()).toContain('Operator token');

    // Without SMTP_URL, a local inbox takes the notification email and shows it on a web page.
    expect(out).toContain(`Local inbox        http://127.0.0.1:${inboxPort}/`);
    const inbox = await fetch(`http://127.0.0.1:${inboxPort}/`, {
      headers: { Accept: 'text/html' },
    });
    expect(inbox.status).toBe(200);
    expect(await inbox.text()).toMatch(/MailDev/i);
    // The demo page's subscribers came through the real path: sign-up, email, confirmation.
    expect(out).toMatch(/3 demo subscribers confirmed through POST \/subscribe/);
    const mails = (await (await fetch(`http://127.0.0.1:${inboxPort}/api/email`)).json()) as {
      to: { address: string }[];
    }[];
    expect(mails.map((m) => m.to[0]?.address).sort()).toEqual(
      expect.arrayContaining(['alex@example.com', 'kim@example.com', 'sam@example.com']),
    );

    first.child.kill('SIGINT');
    expect(await first.exited).toBe(0);
    const log = await readFile(join(stateDir, 'origin-sync.log'), 'utf8');
    expect(log).toContain('"msg":"origin-sync: stopped"');
    await expect(fetch(`http://127.0.0.1:${syncPort}/healthz`)).rejects.toThrow();

    const second = npmStart(env);
    await second.ready;
    expect(second.output()).toContain('Reusing');
    expect(second.output()).toContain('3 demo subscribers (kept from the first run)');
    expect(second.output()).toMatch(
      /Demo data: (\d+) signed core events \(0 new, \1 already known\)/,
    );
    expect((await fetchWithHost(worker, 'http://demo.localhost/')).status).toBe(200);
    second.child.kill('SIGINT');
    expect(await second.exited).toBe(0);
    await rm(stateDir, { recursive: true, force: true });
  }, 180_000);
});
