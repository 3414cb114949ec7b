// The language versions of a page: its own `locale` at `/`, and each of its `locales` under
// `/<tag>/` (docs/contract.md §2). Each version is rendered as its own set of documents; this says
// which words, which Intl locale, which direction and which path prefix a version has.
import { isRightToLeft, type Language, languageOf } from '../../domain/languages.ts';
import type { StatusPage } from '../../domain/schema.ts';
import { pageLanguage, type Translator, translator } from './catalogue.ts';

export interface LanguageVersion {
  language: Language;
  /** The `lang` of its documents and the Intl locale it formats with (`de-CH` keeps Swiss dates). */
  tag: string;
  dir: 'ltr' | 'rtl';
  /** Its documents' path prefix: `''` for the page's own locale, `/<tag>` for the others. */
  base: string;
}

/** The page's language at `/`: its locale's catalogue, or English for a language we lack. */
export function defaultVersion(page: Pick<StatusPage, 'locale'>): LanguageVersion {
  const language = pageLanguage(page.locale);
  const tag = page.locale && languageOf(page.locale) === language ? page.locale : language;
  return { language, tag, dir: isRightToLeft(language) ? 'rtl' : 'ltr', base: '' };
}

/** Every language version of a page, its own first; a further locale equal to it is skipped. */
export function languageVersions(page: Pick<StatusPage, 'locale' | 'locales'>): LanguageVersion[] {
  const first = defaultVersion(page);
  const versions = [first];
  for (const tag of page.locales ?? []) {
    const language = languageOf(tag);
    if (!language || versions.some((v) => v.tag === tag || v.base === `/${tag}`)) continue;
    if (tag === first.tag) continue;
    versions.push({ language, tag, dir: isRightToLeft(language) ? 'rtl' : 'ltr', base: `/${tag}` });
  }
  return versions;
}

/** What a render in one language needs besides the data. */
export interface RenderLanguage {
  version: LanguageVersion;
  t: Translator;
  /** All versions of the page, for `hreflang` alternates and the language menu. */
  versions: readonly LanguageVersion[];
}

export function renderLanguage(
  version: LanguageVersion,
  versions: readonly LanguageVersion[],
): RenderLanguage {
  return { version, t: translator(version.language), versions };
}

const autonyms = new Map<string, string>();

/** A language's name in itself ("Deutsch", "日本語", "العربية"), for the language menu. */
export function autonym(tag: string): string {
  let name = autonyms.get(tag);
  if (name === undefined) {
    try {
      name = new Intl.DisplayNames([tag], { type: 'language' }).of(tag) ?? tag;
    } catch {
      name = tag;
    }
    name = name.charAt(0).toLocaleUpperCase(tag) + name.slice(1);
    autonyms.set(tag, name);
  }
  return name;
}
