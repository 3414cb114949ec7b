// The languages a page can be shown in: those with a message catalogue
// (worker/render/i18n/messages/). The data model needs the list to validate a page's
// `locales` (each is served under `/<lang>/`), the renderer to pick a catalogue.

export const LANGUAGES = [
  'en',
  'de',
  'fr',
  'es',
  'it',
  'pt-BR',
  'nl',
  'pl',
  'sv',
  'tr',
  'ja',
  'zh-CN',
  'ko',
  'ar',
  'he',
] as const;

export type Language = (typeof LANGUAGES)[number];

const RIGHT_TO_LEFT: ReadonlySet<string> = new Set(['ar', 'he']);

function base(tag: string): string {
  return tag.split('-')[0]!.toLowerCase();
}

/**
 * The catalogue a BCP 47 tag is written with: the same tag, else the first of the same
 * language (`de-CH` → `de`, `pt` → `pt-BR`, `zh-Hans-CN` → `zh-CN`), else null.
 */
export function languageOf(tag: string): Language | null {
  const lower = tag.toLowerCase();
  const exact = LANGUAGES.find((l) => l.toLowerCase() === lower);
  if (exact) return exact;
  const b = base(tag);
  return LANGUAGES.find((l) => base(l) === b) ?? null;
}

export function isRightToLeft(language: Language): boolean {
  return RIGHT_TO_LEFT.has(base(language));
}
