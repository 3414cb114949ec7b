// Colours a page's branding asks for, made safe to read: text on the accent colour is black
// or white, whichever contrasts more (WCAG relative luminance).

export const DEFAULT_ACCENT = '#24292f';

function channel(hex: string, at: number): number {
  const v = Number.parseInt(hex.slice(at, at + 2), 16) / 255;
  return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
}

export function luminance(hex: string): number {
  return 0.2126 * channel(hex, 1) + 0.7152 * channel(hex, 3) + 0.0722 * channel(hex, 5);
}

export function contrastRatio(a: string, b: string): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
}

/** Black or white text for a background, whichever reads better. */
export function foregroundFor(background: string): '#000000' | '#ffffff' {
  return contrastRatio(background, '#ffffff') >= contrastRatio(background, '#000000')
    ? '#ffffff'
    : '#000000';
}

/** The per-page custom properties appended to the shared CSS. The colour is zod-checked hex. */
export function themeCss(accent: string | undefined): string {
  const bg = accent && /^#[0-9a-fA-F]{6}$/.test(accent) ? accent.toLowerCase() : DEFAULT_ACCENT;
  return `:root{--accent:${bg};--accent-fg:${foregroundFor(bg)}}`;
}
