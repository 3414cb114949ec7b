// A refused batch names each bad field; one the core did not send says so first ("Missing:"),
// so that "Invalid option" is not read as a wrong value when the bug is a key left out.
import { describe, expect, it } from 'vitest';
import { eventErrors } from '../../origin-sync/http/problem.ts';
import { CoreEventBatch } from '../../worker/domain/schema.ts';
import { incidentEvent } from '../support/events.ts';

function errorsOf(body: unknown) {
  const parsed = CoreEventBatch.safeParse(body);
  if (parsed.success) throw new Error('expected a refusal');
  return eventErrors(parsed.error.issues, body).errors;
}

describe('eventErrors', () => {
  it('says a missing field is missing, and a wrong one only what is wrong with it', () => {
    const missing = incidentEvent({ id: 'a', serviceIds: [] }) as unknown as {
      data: Record<string, unknown>;
    };
    delete missing.data.impact;
    const wrong = incidentEvent({ id: 'b', serviceIds: [] }) as unknown as {
      data: Record<string, unknown>;
    };
    wrong.data.impact = 'apocalyptic';
    const errors = errorsOf({ events: [missing, wrong] });
    expect(errors).toEqual([
      expect.objectContaining({ index: 0, path: 'data.impact', pointer: '/events/0/data/impact' }),
      expect.objectContaining({ index: 1, path: 'data.impact' }),
    ]);
    expect(errors[0]?.message).toMatch(/^Missing: /);
    expect(errors[1]?.message).not.toMatch(/Missing/);
  });

  it('without the body, keeps the validator’s words as they are', () => {
    const parsed = CoreEventBatch.safeParse({ events: [{}] });
    if (parsed.success) throw new Error('expected a refusal');
    expect(
      eventErrors(parsed.error.issues).errors.some((e) => e.message.startsWith('Missing')),
    ).toBe(false);
  });
});
