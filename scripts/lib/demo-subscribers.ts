// The demo page's subscribers, made through the real path on the first npm start: a visitor's
// POST /subscribe on the page's hostname, the confirmation email read from the local inbox
// (MailDev's REST API), and the POST of its confirmation link. Later starts keep them.
import type { SystemWorker } from './system.ts';

export const DEMO_SUBSCRIBERS: { email: string; components: string[] }[] = [
  { email: 'alex@example.com', components: [] },
  { email: 'sam@example.com', components: ['svc_db', 'svc_storage'] },
  { email: 'kim@example.com', components: ['svc_api'] },
];

interface InboxMail {
  to?: { address?: string }[];
  text?: string;
}

const form = (fields: [string, string][]) => ({
  method: 'POST',
  headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams(fields).toString(),
});

/** Subscribes and confirms each; how many were confirmed. */
export async function addDemoSubscribers(
  worker: SystemWorker,
  host: string,
  inboxUrl: string,
  timeoutMs = 60_000,
): Promise<number> {
  for (const s of DEMO_SUBSCRIBERS) {
    const res = await worker.visit(
      `http://${host}/subscribe`,
      form([['email', s.email], ...s.components.map((c): [string, string] => ['component', c])]),
    );
    if (res.status !== 303) throw new Error(`POST /subscribe answered ${res.status}`);
  }
  let confirmed = 0;
  const pending = new Set(DEMO_SUBSCRIBERS.map((s) => s.email));
  const deadline = Date.now() + timeoutMs;
  while (pending.size > 0 && Date.now() < deadline) {
    const mails = (await (await fetch(new URL('api/email', inboxUrl))).json()) as InboxMail[];
    for (const mail of mails) {
      const to = mail.to?.[0]?.address ?? '';
      if (!pending.has(to)) continue;
      const link = /https?:\/\/\S+\/subscribe\/confirm\/\S+/.exec(mail.text ?? '')?.[0];
      if (!link) continue;
      const res = await worker.visit(link, form([]));
      if (res.status === 200) {
        confirmed++;
        pending.delete(to);
      }
    }
    if (pending.size > 0) await new Promise((r) => setTimeout(r, 300));
  }
  return confirmed;
}
