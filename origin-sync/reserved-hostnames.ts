// The SaaS zone's own names (the zone apex and every name under it: where the service itself
// lives) are never a customer's page hostname. A setting, not part of the shared schema, since
// only this deployment knows its zone (SAAS_ZONE_NAME).
import type { CoreEvent } from '../worker/domain/schema.ts';
import type { EventError } from './http/problem.ts';

export function reservedHostnameErrors(
  events: readonly CoreEvent[],
  zones: readonly string[],
): EventError[] {
  if (zones.length === 0) return [];
  const errors: EventError[] = [];
  events.forEach((event, index) => {
    if (event.type !== 'status_page.upserted') return;
    event.data.hostnames.forEach((host, j) => {
      const zone = zones.find((z) => host === z || host.endsWith(`.${z}`));
      if (zone === undefined) return;
      errors.push({
        index,
        path: `data.hostnames.${j}`,
        pointer: `/events/${index}/data/hostnames/${j}`,
        message: `${host} is a name of the service's own zone ${zone}`,
      });
    });
  });
  return errors;
}
