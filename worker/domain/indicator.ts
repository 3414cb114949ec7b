// The overall status a page shows at the top, by Atlassian Statuspage's rules, so that our
// `status.json` agrees with what aggregators expect: the worst of the shown components'
// statuses and the unresolved incidents' impacts; maintenance only when nothing is wrong.

import type { Impact, Incident, Maintenance, Service, ServiceStatus } from './schema.ts';
import { isUnresolved, type MaintenancePhase, maintenancePhase } from './timeline.ts';

export type Indicator = Impact;

const RANK: Record<Indicator, number> = { none: 0, minor: 1, major: 2, critical: 3 };

const FROM_SERVICE: Record<ServiceStatus, Indicator> = {
  operational: 'none',
  under_maintenance: 'none',
  degraded_performance: 'minor',
  partial_outage: 'major',
  major_outage: 'critical',
};

const DESCRIPTION: Record<Indicator, string> = {
  none: 'All Systems Operational',
  minor: 'Minor Service Outage',
  major: 'Partial System Outage',
  critical: 'Major System Outage',
};

export interface OverallStatus {
  indicator: Indicator;
  description: string;
}

export function worse(a: Indicator, b: Indicator): Indicator {
  return RANK[b] > RANK[a] ? b : a;
}

/** How bad a component's own status is, for a group's status: its worst member's (Statuspage). */
const SEVERITY: Record<ServiceStatus, number> = {
  operational: 0,
  under_maintenance: 1,
  degraded_performance: 2,
  partial_outage: 3,
  major_outage: 4,
};

export function worstStatus(services: readonly Service[]): ServiceStatus {
  let worst: ServiceStatus = 'operational';
  for (const s of services) if (SEVERITY[s.status] > SEVERITY[worst]) worst = s.status;
  return worst;
}

export function overallStatus(
  services: readonly Service[],
  incidents: readonly Incident[],
  maintenances: readonly Maintenance[],
  now: Date,
): OverallStatus {
  let indicator: Indicator = 'none';
  for (const s of services) indicator = worse(indicator, FROM_SERVICE[s.status]);
  for (const i of incidents) if (isUnresolved(i)) indicator = worse(indicator, i.impact);
  if (indicator === 'none') {
    const inMaintenance =
      services.some((s) => s.status === 'under_maintenance') ||
      maintenances.some((m) => isActivePhase(maintenancePhase(m, now)));
    if (inMaintenance) return { indicator, description: 'Service Under Maintenance' };
  }
  return { indicator, description: DESCRIPTION[indicator] };
}

function isActivePhase(phase: MaintenancePhase): boolean {
  return phase === 'in_progress' || phase === 'verifying';
}
