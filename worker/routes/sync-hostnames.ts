// POST /_sync/hostnames — origin-sync asks, before it answers the core, whether a batch's
// hostname claims hold, and reserves them (worker/sync/contract.ts). Two passes over the
// hostnames' registries: every hostname is checked first, and only if all hold are they
// reserved; a reservation that loses to a concurrent batch in between is undone, so a refused
// batch keeps nothing.

import { type HostnameOp, registryOf } from '../coordinator/hostname-registry.ts';
import type { Env } from '../env.ts';
import { problemResponse } from '../http/problem.ts';
import { log } from '../log.ts';
import {
  HOSTNAMES_PATH,
  type HostnameClaimOp,
  HostnameClaims,
  type HostnameConflict,
} from '../sync/contract.ts';
import { type AppContext, signedJson } from './sync.ts';

function byHostname(ops: readonly HostnameClaimOp[]): Map<string, HostnameClaimOp[]> {
  const groups = new Map<string, HostnameClaimOp[]>();
  for (const op of ops) {
    const group = groups.get(op.hostname) ?? [];
    group.push(op);
    groups.set(op.hostname, group);
  }
  return groups;
}

const steps = (ops: readonly HostnameClaimOp[]): HostnameOp[] =>
  ops.map(({ op, pageId }) => ({ op, pageId }));

/** Checks, then reserves, every hostname's steps; the conflicts (none: all reserved). */
export async function reserveHostnames(
  env: Env,
  ops: readonly HostnameClaimOp[],
): Promise<HostnameConflict[]> {
  const groups = [...byHostname(ops)];
  const pass = (dryRun: boolean) =>
    Promise.all(
      groups.map(([hostname, group]) =>
        registryOf(env, hostname).reserve(hostname, steps(group), dryRun),
      ),
    );
  const conflictsOf = (answers: Awaited<ReturnType<typeof pass>>): HostnameConflict[] =>
    answers.flatMap((answer, i) => {
      const group = groups[i]?.[1];
      const lost = answer.ok ? undefined : group?.[answer.at];
      if (answer.ok || !lost) return [];
      return [
        { hostname: lost.hostname, holder: answer.holder, event: lost.event, path: lost.path },
      ];
    });
  const checked = conflictsOf(await pass(true));
  if (checked.length > 0) return checked;
  const answers = await pass(false);
  const lost = conflictsOf(answers);
  if (lost.length > 0) {
    await Promise.all(
      answers.map((answer, i) => {
        const hostname = groups[i]?.[0];
        return answer.ok && hostname !== undefined
          ? registryOf(env, hostname).undo(answer.after, answer.before)
          : Promise.resolve(false);
      }),
    );
  }
  return lost;
}

export async function handleHostnameClaims(c: AppContext): Promise<Response> {
  const claims = await signedJson(c, HOSTNAMES_PATH, HostnameClaims, 'HostnameClaims');
  if (claims instanceof Response) return claims;
  try {
    const conflicts = await reserveHostnames(c.env, claims.ops);
    return c.json({ conflicts }, 200, { 'Cache-Control': 'no-store' });
  } catch (err) {
    log.error('hostname claims failed', { error: String(err) });
    return problemResponse(
      {
        title: 'Claims not checked',
        status: 503,
        detail: 'a hostname registry did not answer; retry',
      },
      { 'Retry-After': '1' },
    );
  }
}
