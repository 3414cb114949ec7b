import { exports } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';

describe('/robots.txt', () => {
  it('answers every hostname with a valid robots file, not the 404 page', async () => {
    for (const host of ['demo.localhost', 'unknown.example.com']) {
      const res = await exports.default.fetch(new Request(`http://${host}/robots.txt`));
      expect(res.status).toBe(200);
      expect(res.headers.get('Content-Type')).toBe('text/plain; charset=utf-8');
      expect(await res.text()).toBe('User-agent: *\nAllow: /\n');
      expect(res.headers.get('X-Content-Type-Options')).toBe('nosniff');
    }
  });
});
