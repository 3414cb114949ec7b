// One request to the edge's /_sync routes (worker/sync/contract.ts) and its whole answer as
// text, over node:http(s) with a keep-alive agent per protocol. Not fetch: undici's fetch
// builds a Request, a Headers, a body stream and a Response around each exchange, ~4x the CPU
// of node:http for the same push (measured: ~180 vs ~45 us per 30 kB POST on loopback), and
// pushes run on the thread that also answers the core (docs/benchmarks.md, origin-sync
// throughput). No redirects are followed: the edge never sends one, and a 3xx is then a
// failed push that says so, not a POST silently turned into a GET.
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';

export interface EdgeRequestInit {
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  body?: Uint8Array<ArrayBuffer>;
  signal: AbortSignal;
}

export interface EdgeAnswer {
  status: number;
  text: string;
}

export type EdgeRequest = (url: URL, init: EdgeRequestInit) => Promise<EdgeAnswer>;

// Sockets stay open between pushes (each would otherwise pay a TCP, and in production a TLS,
// handshake); an idle one is closed before the server's advertised keep-alive timeout ends.
const httpAgent = new HttpAgent({ keepAlive: true });
/** The longest answer read (UTF-16 code units of its text, ~bytes for JSON). */
export const MAX_ANSWER_CHARS = 4 * 1024 * 1024;
const httpsAgent = new HttpsAgent({ keepAlive: true });

export const edgeRequest: EdgeRequest = (url, init) =>
  new Promise<EdgeAnswer>((resolve, reject) => {
    const tls = url.protocol === 'https:';
    const headers =
      init.body === undefined
        ? init.headers
        : { ...init.headers, 'Content-Length': String(init.body.byteLength) };
    const onAnswer = (res: IncomingMessage) => {
      res.setEncoding('utf8');
      let text = '';
      res.on('data', (chunk: string) => {
        text += chunk;
        // A worker's answer to 1,000 events is ~60 kB: anything near this is not one, and
        // is not kept in memory to find out.
        if (text.length > MAX_ANSWER_CHARS) {
          res.destroy();
          reject(new Error(`the edge's answer passed ${MAX_ANSWER_CHARS} characters`));
        }
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      res.on('error', reject);
      // Aborted or cut off mid-answer: no 'end' comes (a settled promise ignores this).
      res.on('close', () => {
        if (!res.complete) reject(new Error('the connection closed before the answer ended'));
      });
    };
    const options = { method: init.method, headers, signal: init.signal };
    const req = tls
      ? httpsRequest(url, { ...options, agent: httpsAgent }, onAnswer)
      : httpRequest(url, { ...options, agent: httpAgent }, onAnswer);
    req.on('error', reject);
    req.end(init.body);
  });

/** The same exchange through a fetch: the test seam, a stand-in answering some requests itself. */
export function fetchRequest(fetchFn: typeof fetch): EdgeRequest {
  return async (url, init) => {
    const res = await fetchFn(url, init);
    return { status: res.status, text: await res.text() };
  };
}
