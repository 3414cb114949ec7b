// origin-sync refuses to start in a configuration that would leave a door open (docs/contract.md
// §4): the development signing secret is public (it is in this repository), so with it
// origin-sync may listen only where nobody else can reach it.
import { isIP } from 'node:net';
import { DEV_CORE_SIGNING_SECRET } from './config.ts';

export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h === '::1') return true;
  return isIP(h) === 4 && h.startsWith('127.');
}

/** Why origin-sync must not start (null: it may). */
export function startRefusal(config: { host: string; coreSigningSecret: string }): string | null {
  if (config.coreSigningSecret === DEV_CORE_SIGNING_SECRET && !isLoopback(config.host)) {
    return `CORE_SIGNING_SECRET is the development default, which anyone can sign with: set a real secret, or listen only on loopback (SYNC_HOST=127.0.0.1), not ${config.host}`;
  }
  return null;
}
