import { describe, expect, it } from 'vitest';
import { overallStatus } from '../../worker/domain/indicator.ts';
import type { Incident, Maintenance, Service } from '../../worker/domain/schema.ts';

const now = new Date('2026-11-21T12:00:00Z');
const svc = (id: string, status: Service['status']): Service => ({ id, name: id, status });
const incident = (status: Incident['status'], impact: Incident['impact']): Incident => ({
  id: `i-${status}-${impact}`,
  name: 'x',
  status,
  impact,
  serviceIds: [],
  createdAt: '2026-11-21T10:00:00Z',
  updates: [],
});
const window = (
  from: string,
  until: string,
  status: Maintenance['status'] = 'scheduled',
): Maintenance => ({
  id: 'm',
  name: 'm',
  status,
  serviceIds: [],
  scheduledFor: from,
  scheduledUntil: until,
  updates: [],
});

describe('overall status (Statuspage rules)', () => {
  it('is operational when everything is', () => {
    expect(overallStatus([svc('a', 'operational')], [], [], now)).toEqual({
      indicator: 'none',
      description: 'All Systems Operational',
    });
  });

  it('takes the worst component status', () => {
    const s = [
      svc('a', 'degraded_performance'),
      svc('b', 'major_outage'),
      svc('c', 'partial_outage'),
    ];
    expect(overallStatus(s, [], [], now)).toEqual({
      indicator: 'critical',
      description: 'Major System Outage',
    });
    expect(overallStatus([svc('a', 'degraded_performance')], [], [], now).description).toBe(
      'Minor Service Outage',
    );
    expect(overallStatus([svc('a', 'partial_outage')], [], [], now).description).toBe(
      'Partial System Outage',
    );
  });

  it('counts unresolved incidents by impact, never resolved ones', () => {
    const s = [svc('a', 'operational')];
    expect(overallStatus(s, [incident('identified', 'major')], [], now).indicator).toBe('major');
    expect(overallStatus(s, [incident('resolved', 'critical')], [], now).indicator).toBe('none');
    expect(overallStatus(s, [incident('postmortem', 'critical')], [], now).indicator).toBe('none');
    expect(
      overallStatus(
        [svc('a', 'degraded_performance')],
        [incident('monitoring', 'critical')],
        [],
        now,
      ).indicator,
    ).toBe('critical');
  });

  it('says maintenance only when nothing is broken', () => {
    const open = window('2026-11-21T11:00:00Z', '2026-11-21T13:00:00Z');
    expect(overallStatus([svc('a', 'operational')], [], [open], now).description).toBe(
      'Service Under Maintenance',
    );
    expect(overallStatus([svc('a', 'under_maintenance')], [], [], now).description).toBe(
      'Service Under Maintenance',
    );
    expect(overallStatus([svc('a', 'partial_outage')], [], [open], now).description).toBe(
      'Partial System Outage',
    );
    const later = window('2026-11-22T11:00:00Z', '2026-11-22T13:00:00Z');
    expect(overallStatus([svc('a', 'operational')], [], [later], now).description).toBe(
      'All Systems Operational',
    );
  });
});
