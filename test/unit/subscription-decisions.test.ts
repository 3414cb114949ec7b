// Who is told what (worker/subscriptions/decide.ts and model.ts): keys say what was told, so a
// replay makes the same keys and an edit that tells nothing new makes none.
import { describe, expect, it } from 'vitest';
import type { Incident, Maintenance, Service } from '../../worker/domain/schema.ts';
import {
  clockMaintenanceNotifications,
  componentNotifications,
  incidentNotifications,
  maintenanceNotifications,
} from '../../worker/subscriptions/decide.ts';
import { reaches } from '../../worker/subscriptions/model.ts';

const NOW = Date.parse('2026-12-01T12:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString();
const update = (id: string, status: Incident['status'], at = NOW) => ({
  id,
  status,
  body: `body ${id}`,
  createdAt: iso(at),
});
const incident = (over: Partial<Incident> = {}): Incident => ({
  id: 'inc',
  name: 'API errors',
  status: 'investigating',
  impact: 'major',
  serviceIds: ['api'],
  createdAt: iso(NOW),
  updates: [update('u1', 'investigating')],
  ...over,
});

describe('incidents', () => {
  it('make one notification when created, with its first update', () => {
    const drafts = incidentNotifications(null, incident(), NOW);
    expect(drafts.map((d) => [d.key, d.kind])).toEqual([
      ['incident:inc:created', 'incident_created'],
    ]);
  });

  it('make one per new update, by its status, and none for a typo fix or the same state again', () => {
    const before = incident();
    const after = incident({
      status: 'resolved',
      updates: [
        { ...update('u1', 'investigating'), body: 'fixed typo' },
        update('u2', 'identified'),
        update('u3', 'resolved'),
      ],
    });
    expect(incidentNotifications(before, after, NOW).map((d) => [d.key, d.kind])).toEqual([
      ['incident:inc:update:u2', 'incident_updated'],
      ['incident:inc:update:u3', 'incident_resolved'],
    ]);
    expect(
      incidentNotifications(
        before,
        incident({ updates: [{ ...update('u1', 'investigating'), body: 'typo' }] }),
        NOW,
      ),
    ).toEqual([]);
    expect(incidentNotifications(after, after, NOW)).toEqual([]);
  });

  it('tell of a resolution without an update once, by status', () => {
    const drafts = incidentNotifications(incident(), incident({ status: 'resolved' }), NOW);
    expect(drafts.map((d) => d.key)).toEqual(['incident:inc:resolved']);
  });

  it('are not news when first heard of already over, or long ago', () => {
    expect(incidentNotifications(null, incident({ status: 'resolved' }), NOW)).toEqual([]);
    const old = NOW - 3 * 24 * 60 * 60 * 1000;
    expect(
      incidentNotifications(
        null,
        incident({ createdAt: iso(old), updates: [update('u1', 'investigating', old)] }),
        NOW,
      ),
    ).toEqual([]);
    expect(incidentNotifications(incident(), null, NOW)).toEqual([]);
  });
});

describe('maintenance', () => {
  const window = (over: Partial<Maintenance> = {}): Maintenance => ({
    id: 'mnt',
    name: 'Upgrade',
    status: 'scheduled',
    serviceIds: ['db'],
    scheduledFor: iso(NOW + 3_600_000),
    scheduledUntil: iso(NOW + 7_200_000),
    updates: [],
    ...over,
  });

  it('is told when scheduled, and not again when edited within the same phase', () => {
    expect(maintenanceNotifications(null, window(), NOW).map((d) => d.key)).toEqual([
      'maintenance:mnt:scheduled',
    ]);
    expect(maintenanceNotifications(window(), window({ name: 'Upgrade (v2)' }), NOW)).toEqual([]);
  });

  it('is told when the clock opens and closes it, under the keys the event path uses', () => {
    const m = window();
    expect(clockMaintenanceNotifications([m], NOW)).toEqual([]);
    expect(clockMaintenanceNotifications([m], NOW + 3_600_001).map((d) => d.key)).toEqual([
      'maintenance:mnt:started',
    ]);
    expect(clockMaintenanceNotifications([m], NOW + 7_200_001).map((d) => d.key)).toEqual([
      'maintenance:mnt:completed',
    ]);
    const byCore = maintenanceNotifications(m, window({ status: 'in_progress' }), NOW + 3_600_001);
    expect(byCore).toEqual([]); // the clock had already moved it: nothing new to tell
    // A window that closed days ago is history.
    expect(clockMaintenanceNotifications([m], NOW + 5 * 86_400_000)).toEqual([]);
  });
});

describe('components', () => {
  const svc = (status: Service['status']): Service => ({ id: 'api', name: 'API', status });
  it('are told on a status change of a shown service, keyed by version', () => {
    const shown = new Set(['api']);
    expect(
      componentNotifications(svc('operational'), svc('major_outage'), 7, iso(NOW), shown).map(
        (d) => d.key,
      ),
    ).toEqual(['component:api:7:major_outage']);
    expect(
      componentNotifications(svc('operational'), svc('operational'), 8, iso(NOW), shown),
    ).toEqual([]);
    expect(
      componentNotifications(svc('operational'), svc('major_outage'), 9, iso(NOW), new Set()),
    ).toEqual([]);
  });
});

describe('reaches', () => {
  const payload = {
    subject: { type: 'incident' as const, incident: incident(), updateId: 'u1' },
    serviceIds: ['api'],
  };
  const none = () => null;
  const base = { webhookUrl: null, components: null, incidentId: null, variant: 'public' };
  it('filters by components, followed incident, channel and audience', () => {
    expect(reaches(base, 'incident_created', payload, none)).toBe(true);
    expect(reaches({ ...base, components: ['db'] }, 'incident_created', payload, none)).toBe(false);
    expect(reaches({ ...base, components: ['db', 'api'] }, 'incident_created', payload, none)).toBe(
      true,
    );
    expect(reaches({ ...base, incidentId: 'other' }, 'incident_created', payload, none)).toBe(
      false,
    );
    expect(reaches(base, 'component_updated', payload, none)).toBe(false);
    expect(
      reaches({ ...base, webhookUrl: 'https://x.example' }, 'component_updated', payload, none),
    ).toBe(true);
    const slice = (v: string) => (v === 'audience:a' ? new Set(['db']) : null);
    expect(reaches({ ...base, variant: 'audience:a' }, 'incident_created', payload, slice)).toBe(
      false,
    );
    expect(reaches(base, 'subscription_confirm', payload, none)).toBe(false);
  });
});
