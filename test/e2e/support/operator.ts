// What an operator asks a running origin-sync (scripts/lib/system.ts starts it): its health,
// an event's trace, a page's recent events; and the per-page outcome of a trace.
import type { Health } from '../../../origin-sync/service.ts';
import type { EventTrace } from '../../../origin-sync/store/trace.ts';
import type { System } from '../../../scripts/lib/system.ts';

async function asOperator<T>(system: System, path: string): Promise<{ status: number; body: T }> {
  const res = await fetch(`${system.syncUrl}${path}`, {
    headers: { Authorization: `Bearer ${system.originSync.operatorToken}` },
  });
  return { status: res.status, body: (await res.json()) as T };
}

export async function health(system: System): Promise<Health> {
  return (await asOperator<Health>(system, '/healthz')).body;
}

/** An event's trace, or null when origin-sync does not know it. */
export async function eventTrace(system: System, eventId: string): Promise<EventTrace | null> {
  const path = `/v1/events/${encodeURIComponent(eventId)}`;
  const { status, body } = await asOperator<EventTrace>(system, path);
  return status === 200 ? body : null;
}

/** A page's most recent events' traces, newest first. */
export async function pageTraces(system: System, pageId: string, limit = 100) {
  const path = `/v1/pages/${pageId}/events?limit=${limit}`;
  return (await asOperator<{ events: EventTrace[] }>(system, path)).body.events;
}

/** The applied/skipped steps of an event, per page. */
export function outcomes(trace: EventTrace | null): Map<string, string> {
  const out = new Map<string, string>();
  for (const step of trace?.steps ?? []) {
    if ((step.step === 'applied' || step.step === 'skipped') && step.pageId) {
      out.set(step.pageId, step.step);
    }
  }
  return out;
}
