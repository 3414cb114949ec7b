// How a page lays out its services: ungrouped ones first, then each group in the page's order.
// The HTML sections and the JSON API's components (and their `position`) both come from here,
// so a widget and the page always list services in the same order.
import type { Service, ServiceGroup } from './schema.ts';
import { type PageSnapshot, shownServices } from './snapshot.ts';

export interface LayoutSection {
  /** null for the services that belong to no group. */
  group: ServiceGroup | null;
  services: Service[];
}

/**
 * A service listed in two groups shows in the first only; a group with nothing shown (in this
 * variant) is left out rather than shown empty.
 */
export function serviceLayout(snapshot: PageSnapshot): LayoutSection[] {
  const services = shownServices(snapshot);
  const byId = new Map(services.map((s) => [s.id, s]));
  const grouped = new Set<string>();
  const sections: LayoutSection[] = [];
  for (const group of snapshot.page.groups ?? []) {
    const members = group.serviceIds.flatMap((id) => {
      const s = byId.get(id);
      if (!s || grouped.has(id)) return [];
      grouped.add(id);
      return [s];
    });
    if (members.length) sections.push({ group, services: members });
  }
  const loose = services.filter((s) => !grouped.has(s.id));
  if (loose.length) sections.unshift({ group: null, services: loose });
  return sections;
}
