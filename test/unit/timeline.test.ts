import { describe, expect, it } from 'vitest';
import type { Incident, Maintenance } from '../../worker/domain/schema.ts';
import {
  activeIncidents,
  activeMaintenances,
  maintenancePhase,
  nextTimelineBoundary,
  pastIncidents,
  upcomingMaintenances,
} from '../../worker/domain/timeline.ts';

const now = new Date('2026-11-21T12:00:00Z');
const inc = (
  id: string,
  status: Incident['status'],
  createdAt: string,
  resolvedAt?: string,
): Incident => ({
  id,
  name: id,
  status,
  impact: 'minor',
  serviceIds: [],
  createdAt,
  ...(resolvedAt ? { resolvedAt } : {}),
  updates: [],
});
const mnt = (
  id: string,
  status: Maintenance['status'],
  from: string,
  until: string,
): Maintenance => ({
  id,
  name: id,
  status,
  serviceIds: [],
  scheduledFor: from,
  scheduledUntil: until,
  updates: [],
});

describe('incidents', () => {
  const all = [
    inc('old', 'resolved', '2026-10-01T00:00:00Z', '2026-10-01T01:00:00Z'),
    inc('recent', 'resolved', '2026-11-19T00:00:00Z', '2026-11-19T02:00:00Z'),
    inc('pm', 'postmortem', '2026-11-20T00:00:00Z', '2026-11-20T01:00:00Z'),
    inc('a', 'investigating', '2026-11-21T09:00:00Z'),
    inc('b', 'monitoring', '2026-11-21T11:00:00Z'),
  ];

  it('active = investigating, identified, monitoring; newest first', () => {
    expect(activeIncidents(all).map((i) => i.id)).toEqual(['b', 'a']);
  });

  it('past = resolved within the window, by end time, newest first', () => {
    expect(pastIncidents(all, now, 14).map((i) => i.id)).toEqual(['pm', 'recent']);
  });
});

describe('maintenance', () => {
  const ms = [
    mnt('later', 'scheduled', '2026-11-23T00:00:00Z', '2026-11-23T02:00:00Z'),
    mnt('open', 'scheduled', '2026-11-21T11:00:00Z', '2026-11-21T13:00:00Z'),
    mnt('verify', 'verifying', '2026-11-21T10:00:00Z', '2026-11-21T14:00:00Z'),
    mnt('over', 'in_progress', '2026-11-20T00:00:00Z', '2026-11-20T02:00:00Z'),
    mnt('done', 'completed', '2026-11-21T11:00:00Z', '2026-11-21T13:00:00Z'),
  ];

  it('opens a scheduled window when the clock reaches it, and closes it at its end', () => {
    expect(maintenancePhase(ms[1]!, now)).toBe('in_progress');
    expect(maintenancePhase(ms[1]!, new Date('2026-11-21T10:59:59Z'))).toBe('scheduled');
    expect(maintenancePhase(ms[3]!, now)).toBe('completed');
  });

  it('splits upcoming and active', () => {
    expect(upcomingMaintenances(ms, now).map((m) => m.id)).toEqual(['later']);
    expect(activeMaintenances(ms, now).map((m) => m.id)).toEqual(['verify', 'open']);
  });

  it('finds the next instant the clock changes the page', () => {
    expect(nextTimelineBoundary([], ms, now, 14)).toBe(Date.parse('2026-11-21T13:00:00Z'));
    const recent = [inc('r', 'resolved', '2026-11-19T00:00:00Z', '2026-11-19T02:00:00Z')];
    expect(nextTimelineBoundary(recent, [], now, 14)).toBe(Date.parse('2026-12-03T02:00:00Z'));
    expect(nextTimelineBoundary([], [], now, 14)).toBeNull();
  });
});
