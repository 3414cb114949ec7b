// Who may see which variant of a page. Public pages: everyone sees `public`.
import type { HostRecord } from '../store/keys.ts';

export type AccessDecision = { ok: true; variant: string } | { ok: false; status: 401 | 403 };

export async function decideAccess(record: HostRecord, _request: Request): Promise<AccessDecision> {
  if (record.visibility === 'public') return { ok: true, variant: 'public' };
  return { ok: false, status: 401 };
}
