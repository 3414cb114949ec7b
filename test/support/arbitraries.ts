// fast-check arbitraries for core events: valid ones (as the contract allows), and hostile
// text for every field a customer writes.
import fc from 'fast-check';
import type { CoreEvent } from '../../worker/domain/schema.ts';

/** Payloads that break out of text, attributes, URLs and CSS when escaping is missing. */
export const PAYLOADS = [
  '<script>alert(1)</script>',
  '</p><img src=x onerror=alert(1)>',
  '"><svg onload=alert(1)>',
  "' onmouseover='alert(1)",
  '" autofocus onfocus="alert(1)',
  'javascript:alert(1)',
  '</style><script>alert(1)</script>',
  '</title><script>alert(1)</script>',
  '<!--',
  ']]><x>',
  '{{pageName}}',
  '{{{style}}}',
  '&lt;script&gt;',
  '&#x3C;script&#x3E;',
  '\u0000\u2028\u2029\ufeff',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a payload, on purpose
  '`${alert(1)}`',
  '<a href="javascript:alert(1)">x</a>',
  '<<script>script>alert(1)<</script>/script>',
] as const;

/** Any text, biased towards markup-breaking payloads and characters. */
export const hostileText = (maxLength = 200): fc.Arbitrary<string> =>
  fc
    .array(
      fc.oneof(
        { weight: 3, arbitrary: fc.constantFrom(...PAYLOADS) },
        { weight: 2, arbitrary: fc.constantFrom('<', '>', '"', "'", '&', '/', '=', '`', ' ') },
        { weight: 2, arbitrary: fc.string({ maxLength: 20, unit: 'grapheme' }) },
      ),
      { maxLength: 6 },
    )
    .map((parts) => parts.join('').slice(0, maxLength));

/** A name as the schema wants it (non-blank after trimming), hostile all the same. */
export const hostileName = hostileText(150).map((s) => `N${s}`);

export const resourceId = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9_.:-]{0,24}$/);

/** An http(s) link whose path and query carry hostile text. */
export const hostileUrl = fc
  .tuple(fc.constantFrom('http', 'https'), hostileText(80))
  .map(([scheme, tail]) => `${scheme}://links.example.com/${tail}`);

const instant = fc
  .date({ min: new Date('2026-01-01T00:00:00Z'), max: new Date('2026-12-31T00:00:00Z') })
  .filter((d) => !Number.isNaN(d.getTime()))
  .map((d) => d.toISOString());

const envelope = fc.record({
  id: fc.string({ minLength: 1, maxLength: 40 }),
  occurredAt: instant,
  version: fc.nat(),
});

const serviceStatus = fc.constantFrom(
  'operational',
  'degraded_performance',
  'partial_outage',
  'major_outage',
  'under_maintenance',
);
const incidentStatus = fc.constantFrom(
  'investigating',
  'identified',
  'monitoring',
  'resolved',
  'postmortem',
);

const update = <S>(status: fc.Arbitrary<S>) =>
  fc.record({ id: resourceId, status, body: hostileText(400), createdAt: instant });

/** Events the contract accepts (before normalisation such as trimming). */
export const validEvent: fc.Arbitrary<CoreEvent> = fc.oneof(
  fc
    .record({
      env: envelope,
      data: fc.record(
        {
          id: resourceId,
          name: hostileName,
          description: hostileText(300),
          status: serviceStatus,
        },
        { requiredKeys: ['id', 'name', 'status'] },
      ),
    })
    .map(({ env, data }) => ({ ...env, type: 'service.upserted' as const, data })),
  fc
    .record({
      env: envelope,
      data: fc.record({
        id: resourceId,
        name: hostileName,
        status: incidentStatus,
        impact: fc.constantFrom('none', 'minor', 'major', 'critical'),
        serviceIds: fc.array(resourceId, { maxLength: 3 }),
        createdAt: instant,
        updates: fc.array(update(incidentStatus), { maxLength: 3 }),
      }),
    })
    .map(({ env, data }) => ({ ...env, type: 'incident.upserted' as const, data })),
  fc
    .record({
      env: envelope,
      data: fc.record({
        serviceId: resourceId,
        date: instant.map((t) => t.slice(0, 10)),
        partialOutageSeconds: fc.integer({ min: 0, max: 86_400 }),
        majorOutageSeconds: fc.integer({ min: 0, max: 86_400 }),
      }),
    })
    .map(({ env, data }) => ({ ...env, type: 'uptime.recorded' as const, data })),
  fc.record({ env: envelope, data: fc.record({ id: resourceId }) }).map(({ env, data }) => ({
    ...env,
    type: 'incident.deleted' as const,
    data,
  })),
  fc
    .record({
      env: envelope,
      data: fc.record(
        {
          id: resourceId,
          name: hostileName,
          hostnames: fc.array(fc.constantFrom('status.acme.com', 'Status.Example.ORG.'), {
            maxLength: 2,
          }),
          visibility: fc.constantFrom('public', 'private', 'audience'),
          serviceIds: fc.array(resourceId, { maxLength: 4 }),
          supportUrl: hostileUrl,
        },
        { requiredKeys: ['id', 'name', 'hostnames', 'visibility', 'serviceIds'] },
      ),
    })
    .map(({ env, data }) => ({ ...env, type: 'status_page.upserted' as const, data })),
);
