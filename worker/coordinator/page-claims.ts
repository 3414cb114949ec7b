// Before a page's coordinator stores an upsert of its page, it claims every hostname the
// upsert names from that hostname's registry (hostname-registry.ts). An upsert whose claim is
// refused is not applied: it is answered `refused`, so origin-sync's explorer shows it failed
// instead of a page that silently lacks a hostname, or serves someone else's.
import type { CoreEvent } from '../domain/schema.ts';
import type { Env } from '../env.ts';
import { registryOf } from './hostname-registry.ts';

export interface RefusedUpsert {
  eventId: string;
  hostname: string;
  holder: string;
}

/**
 * Claims the hostnames of `upserts` (the page's upserts that would apply, in batch order) and
 * answers the refused ones. A refused upsert keeps none of its claims: the ones it made are
 * undone, so a half-claimed page holds nothing it does not show.
 */
export async function claimPageHostnames(
  env: Env,
  pageId: string,
  upserts: readonly CoreEvent[],
): Promise<RefusedUpsert[]> {
  const refused: RefusedUpsert[] = [];
  for (const event of upserts) {
    if (event.type !== 'status_page.upserted') continue;
    const hostnames = [...new Set(event.data.hostnames)];
    const answers = await Promise.all(hostnames.map((h) => registryOf(env, h).claim(h, pageId)));
    const lost = answers.findIndex((a) => !a.ok);
    if (lost === -1) continue;
    const answer = answers[lost];
    refused.push({
      eventId: event.id,
      hostname: hostnames[lost] ?? '',
      holder: answer && !answer.ok ? answer.holder : '',
    });
    await Promise.all(
      answers.map((a, i) => {
        const h = hostnames[i];
        return a.ok && a.before !== pageId && h !== undefined
          ? registryOf(env, h).undo(pageId, a.before)
          : Promise.resolve(false);
      }),
    );
  }
  return refused;
}
