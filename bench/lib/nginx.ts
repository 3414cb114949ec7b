// nginx serving one HTML file: the machine's ceiling for "send these bytes over HTTP".
// One worker process, like the one workerd isolate it is compared with.
import { type ChildProcess, spawn } from 'node:child_process';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../scripts/lib/system.ts';
import { waitFor } from '../../scripts/lib/wait.ts';
import { ensureDebianTool } from './machine.ts';

export interface StaticServer {
  url: string;
  stop(): Promise<void>;
}

export function ensureNginx(): string | null {
  return ensureDebianTool('nginx', 'nginx');
}

export async function startNginx(nginx: string, html: string): Promise<StaticServer> {
  const dir = await mkdtemp(join(tmpdir(), 'esp-nginx-'));
  // nginx's worker drops root for nobody, who must be able to read the file.
  await chmod(dir, 0o755);
  await writeFile(join(dir, 'index.html'), html, { mode: 0o644 });
  const port = await freePort();
  const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']
    .map((t) => `${t}_temp_path ${join(dir, t)};`)
    .join(' ');
  await writeFile(
    join(dir, 'nginx.conf'),
    `worker_processes 1;
daemon off;
pid ${join(dir, 'nginx.pid')};
error_log ${join(dir, 'error.log')} warn;
events { worker_connections 1024; }
http {
  access_log off; ${temp}
  server {
    listen 127.0.0.1:${port};
    root ${dir};
    location / { default_type "text/html; charset=utf-8"; try_files /index.html =404; }
  }
}
`,
  );
  const child: ChildProcess = spawn(
    nginx,
    ['-p', dir, '-c', join(dir, 'nginx.conf'), '-e', join(dir, 'error.log')],
    {
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => {
    stderr += c;
  });
  const url = `http://127.0.0.1:${port}/`;
  const ready = await waitFor(
    async () => (child.exitCode !== null ? 'exited' : (await fetch(url)).ok && 'serving'),
    { timeoutMs: 10_000, intervalMs: 100, what: `nginx on ${url}` },
  ).catch((err: unknown) => {
    throw new Error(`${err instanceof Error ? err.message : err}: ${stderr}`);
  });
  if (ready === 'exited') throw new Error(`nginx exited: ${stderr}`);
  return {
    url,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}
