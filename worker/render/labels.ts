// The words a page uses for each state. Status is always told in words as well as colour.
import type { OverallStatus } from '../domain/indicator.ts';
import type { Impact, IncidentStatus, MaintenanceStatus, ServiceStatus } from '../domain/schema.ts';
import type { MessageKey } from './i18n/catalogue.ts';

export const SERVICE_STATUS_ICON: Record<ServiceStatus, string> = {
  operational: '✓',
  degraded_performance: '▲',
  partial_outage: '▲',
  major_outage: '✕',
  under_maintenance: '⚙',
};

/** The catalogue keys of the same words, for pages in the visitor's language. */
export const SERVICE_STATUS_KEY: Record<ServiceStatus, MessageKey> = {
  operational: 'operational',
  degraded_performance: 'degradedPerformance',
  partial_outage: 'partialOutage',
  major_outage: 'majorOutage',
  under_maintenance: 'underMaintenance',
};

export const INCIDENT_STATUS_KEY: Record<IncidentStatus, MessageKey> = {
  investigating: 'investigating',
  identified: 'identified',
  monitoring: 'monitoring',
  resolved: 'resolved',
  postmortem: 'postmortem',
};

export const MAINTENANCE_STATUS_KEY: Record<MaintenanceStatus, MessageKey> = {
  scheduled: 'scheduled',
  in_progress: 'inProgress',
  verifying: 'verifying',
  completed: 'completed',
};

export const IMPACT_KEY: Record<Impact, MessageKey> = {
  none: 'impactNone',
  minor: 'impactMinor',
  major: 'impactMajor',
  critical: 'impactCritical',
};

/** The overall status's words: Statuspage's descriptions (the API keeps them in English). */
export function overallStatusKey(status: OverallStatus): MessageKey {
  if (status.indicator === 'none' && status.description === 'Service Under Maintenance')
    return 'overallMaintenance';
  return OVERALL_KEY[status.indicator];
}

const OVERALL_KEY: Record<OverallStatus['indicator'], MessageKey> = {
  none: 'overallNone',
  minor: 'overallMinor',
  major: 'overallMajor',
  critical: 'overallCritical',
};
