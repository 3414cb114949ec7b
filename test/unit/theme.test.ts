import { describe, expect, it } from 'vitest';
import { contrastRatio, foregroundFor, themeCss } from '../../worker/render/theme.ts';

describe('branding colours', () => {
  it('puts readable text on any accent colour', () => {
    for (const bg of ['#000000', '#ffffff', '#3b2fc9', '#ffd700', '#0b6e4f', '#777777']) {
      expect(contrastRatio(bg, foregroundFor(bg))).toBeGreaterThanOrEqual(4.5);
    }
  });

  it('only ever emits a hex colour into the stylesheet', () => {
    expect(themeCss('#ABCDEF')).toBe(':root{--accent:#abcdef;--accent-fg:#000000}');
    expect(themeCss('red;}body{x')).toContain('--accent:#24292f');
  });
});
