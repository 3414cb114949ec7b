// The explorer shows a refused payload with the offending value marked; whatever the payload
// holds, it is shown as text, never as markup.
import { describe, expect, it } from 'vitest';
import { anchorOf, payloadView } from '../../origin-sync/explorer/payload-view.ts';

describe('payloadView', () => {
  const body = JSON.stringify({
    events: [{ id: 'evt_1', data: { name: '<script>alert(1)</script>', status: 'sideways' } }],
  });

  it('marks the value an error points at, with its message beside it', () => {
    const out = payloadView(body, [
      {
        pointer: '/events/0/data/status',
        path: 'data.status',
        index: 0,
        message: 'Invalid option',
      },
    ]).value;
    expect(out).toContain('<mark id="at/events/0/data/status">&quot;sideways&quot;</mark>');
    expect(out).toContain('data.status: Invalid option');
    expect(out.match(/<mark/g)).toHaveLength(1);
  });

  it('marks the object that lacks a missing field', () => {
    const parsed: unknown = JSON.parse(body);
    expect(anchorOf(parsed, '/events/0/data/impact')).toBe('/events/0/data');
    expect(anchorOf(parsed, '/events/3/id')).toBe('/events');
    const out = payloadView(body, [
      { pointer: '/events/0/data/impact', message: 'Required' },
    ]).value;
    expect(out).toContain('<mark id="at/events/0/data">&quot;data&quot;: {</mark>');
  });

  it('escapes customer text, in JSON and in a body that is not JSON', () => {
    expect(payloadView(body, []).value).not.toContain('<script>');
    const raw = payloadView('<img src=x onerror=alert(1)> {', []).value;
    expect(raw).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(raw).not.toContain('<img');
  });
});
