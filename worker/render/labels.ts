// The words a page uses for each state. Status is always told in words as well as colour.
import type { Impact, IncidentStatus, MaintenanceStatus, ServiceStatus } from '../domain/schema.ts';

export const SERVICE_STATUS_LABEL: Record<ServiceStatus, string> = {
  operational: 'Operational',
  degraded_performance: 'Degraded performance',
  partial_outage: 'Partial outage',
  major_outage: 'Major outage',
  under_maintenance: 'Under maintenance',
};

export const SERVICE_STATUS_ICON: Record<ServiceStatus, string> = {
  operational: '✓',
  degraded_performance: '▲',
  partial_outage: '▲',
  major_outage: '✕',
  under_maintenance: '⚙',
};

export const INCIDENT_STATUS_LABEL: Record<IncidentStatus, string> = {
  investigating: 'Investigating',
  identified: 'Identified',
  monitoring: 'Monitoring',
  resolved: 'Resolved',
  postmortem: 'Postmortem',
};

export const MAINTENANCE_STATUS_LABEL: Record<MaintenanceStatus, string> = {
  scheduled: 'Scheduled',
  in_progress: 'In progress',
  verifying: 'Verifying',
  completed: 'Completed',
};

export const IMPACT_LABEL: Record<Impact, string> = {
  none: 'No impact',
  minor: 'Minor',
  major: 'Major',
  critical: 'Critical',
};
