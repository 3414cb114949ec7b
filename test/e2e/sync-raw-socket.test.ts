// /_sync against the real runtime (workerd via Miniflare) over a raw socket (issue 12): a
// stranger's request is refused before its body is sent, so a junk token with an 8 MiB body
// costs the edge no body bytes, and a signed one that announces too much is refused before
// any is buffered.
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type System, type SystemWorker, startSystem } from '../../scripts/lib/system.ts';
import { MAX_SYNC_BYTES, syncPath } from '../../worker/sync/contract.ts';

const EIGHT_MIB = 8 * 1024 * 1024;
let system: System;
let worker: SystemWorker;

beforeAll(async () => {
  system = await startSystem({ originSync: false });
  worker = system.worker;
}, 120_000);

afterAll(async () => {
  await system?.stop();
});

/**
 * Sends only the request head (announcing `length` body bytes, none sent) and resolves with
 * the status line the server answers with meanwhile.
 */
function answerBeforeBody(path: string, token: string, length: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(Number(worker.url.port), worker.url.hostname);
    let received = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error('no answer while the body was still unsent'));
    }, 20_000);
    socket.on('error', reject);
    socket.on('data', (chunk) => {
      received += chunk.toString('latin1');
      const line = received.split('\r\n')[0];
      if (line !== undefined && received.includes('\r\n')) {
        clearTimeout(timer);
        socket.destroy();
        resolve(line);
      }
    });
    socket.write(
      [
        `POST ${path} HTTP/1.1`,
        'Host: edge-sync.internal',
        `Authorization: Bearer ${token}`,
        'Content-Type: application/json',
        `Content-Length: ${length}`,
        '',
        '',
      ].join('\r\n'),
    );
  });
}

describe('/_sync over a raw socket', () => {
  it('answers a junk token with an 8 MiB body 401 before the body is sent', async () => {
    const line = await answerBeforeBody(syncPath('page_raw'), 'junk.junk.junk', EIGHT_MIB);
    expect(line).toMatch(/^HTTP\/1\.1 401 /);
  });

  it('answers a token for another page 401 before the body is sent', async () => {
    const token = await worker.signSync('page_other', '{}');
    expect(await answerBeforeBody(syncPath('page_raw'), token, EIGHT_MIB)).toMatch(/ 401 /);
  });

  it('answers a signed body announced over the limit 413 before it is sent', async () => {
    const token = await worker.signSync('page_raw', '{}');
    expect(await answerBeforeBody(syncPath('page_raw'), token, MAX_SYNC_BYTES + 1)).toMatch(
      / 413 /,
    );
  });
});
