// The catalogues are checked: every language has exactly English's keys, the same
// placeholders, and a plural form for every category its numbers fall into; a page rendered in
// each language shows no English word (only the ones listed below, which the language writes
// the same); `lang` and `dir` say which language and direction the words are in.
import { describe, expect, it } from 'vitest';
import { isRightToLeft, LANGUAGES, type Language } from '../../worker/domain/languages.ts';
import { renderVariant } from '../../worker/render/documents.ts';
import {
  CATALOGUES,
  type Catalogue,
  type Message,
  Translator,
} from '../../worker/render/i18n/catalogue.ts';
import { en } from '../../worker/render/i18n/messages/en.ts';
import { messagePage } from '../../worker/render/message-pages.ts';
import { renderSessionSwap } from '../../worker/render/session-swap.ts';
import { skeletonPage } from '../../worker/render/skeleton.ts';
import { CUSTOMER_WORD, maskedDemoPage, readableText } from '../support/i18n-pages.ts';

const NOW = new Date('2026-11-21T10:00:00Z');

function forms(m: Message): string[] {
  return typeof m === 'string' ? [m] : Object.values(m);
}

function placeholders(m: Message): string[] {
  const names = new Set<string>();
  for (const f of forms(m)) for (const [, n] of f.matchAll(/\{(\w+)\}/g)) names.add(n!);
  return [...names].sort();
}

/** What is wrong with a catalogue, as lines a translator can act on. */
function problems(language: string, catalogue: Catalogue): string[] {
  const out: string[] = [];
  const keys = Object.keys(en) as (keyof typeof en)[];
  for (const key of keys) {
    const m = catalogue[key];
    if (m === undefined) {
      out.push(`${language} lacks ${key}`);
      continue;
    }
    const want = placeholders(en[key]);
    const got = placeholders(m);
    if (JSON.stringify(want) !== JSON.stringify(got))
      out.push(`${language} ${key}: placeholders ${got.join(',')} instead of ${want.join(',')}`);
    if (typeof en[key] !== typeof m) out.push(`${language} ${key}: plural in one, not the other`);
    if (typeof m === 'object') {
      const rules = new Intl.PluralRules(language);
      const categories = new Set(rules.resolvedOptions().pluralCategories);
      for (const c of Object.keys(m))
        if (!categories.has(c as Intl.LDMLPluralRule))
          out.push(`${language} ${key}: ${c} is not a plural category of ${language}`);
      for (let n = 0; n <= 1000; n++) {
        const c = rules.select(n);
        if (m[c] === undefined) {
          out.push(`${language} ${key}: no "${c}" form (for ${n})`);
          break;
        }
      }
    }
  }
  for (const key of Object.keys(catalogue))
    if (!(key in en)) out.push(`${language} has ${key}, which English does not`);
  return out;
}

describe('message catalogues', () => {
  it.each(LANGUAGES.filter((l) => l !== 'en'))(
    '%s has every key, with the same placeholders',
    (l) => {
      expect(problems(l, CATALOGUES[l])).toEqual([]);
    },
  );

  it('notices a missing key, an extra key, a changed placeholder and a missing plural form', () => {
    const { pageStatus: _, ...rest } = CATALOGUES.de;
    expect(
      problems('de', {
        ...rest,
        lastUpdated: 'Zuletzt aktualisiert: {zeit}',
        barsLabel: { other: '{service}: {count} Tage' },
        extraKey: 'x',
      } as Catalogue),
    ).toEqual([
      'de lacks pageStatus',
      'de lastUpdated: placeholders zeit instead of time',
      'de barsLabel: no "one" form (for 1)',
      'de has extraKey, which English does not',
    ]);
  });

  it('picks plural forms by the language’s rules', () => {
    const t = (l: Language, count: number) =>
      new Translator(l).text('barsLabel', { service: 'S', count });
    expect(t('pl', 1)).toBe('S: dostępność dzienna z ostatniego dnia');
    expect(t('pl', 3)).toBe('S: dostępność dzienna z ostatnich 3 dni');
    expect(t('ar', 2)).toBe('S: التوفر اليومي خلال آخر يومين');
    expect(t('ar', 90)).toBe('S: التوفر اليومي خلال آخر 90 يومًا');
    expect(t('en', 1)).toBe('S: daily uptime over the last 1 day');
  });
});

/**
 * Words a language writes as English does (names of formats, loanwords that are the ordinary
 * word there). Each is checked to be in that language's own catalogue, so the list cannot
 * hide an untranslated string.
 */
const SAME_IN_BOTH: Partial<Record<Language, string[]>> = {
  de: ['status', 'api', 'atom', 'rss', 'feed', 'in', 'link', 'organisation', 'an'],
  fr: [
    'api',
    'atom',
    'rss',
    'incident',
    'incidents',
    'services',
    'maintenance',
    'page',
    'en',
    'organisation',
    'session',
    'notifications',
  ],
  es: ['api', 'atom', 'rss', 'no'],
  it: ['api', 'atom', 'rss', 'feed', 'link', 'in', 'all'],
  'pt-BR': ['api', 'atom', 'rss', 'feed', 'status', 'do', 'link', 'no'],
  nl: ['status', 'api', 'atom', 'rss', 'feed', 'in', 'is', 'link', 'of', 'open', 'over'],
  pl: ['status', 'api', 'atom', 'rss', 'do', 'link'],
  sv: ['status', 'api', 'atom', 'rss', 'be', 'system', 'session', 'in'],
  tr: ['api', 'atom', 'rss'],
  ja: ['api', 'atom', 'rss'],
  'zh-CN': ['api', 'atom', 'rss'],
  ko: ['api', 'atom', 'rss'],
  ar: ['atom', 'rss'],
  he: ['api', 'atom', 'rss'],
};

const ENGLISH_WORDS = new Set(
  Object.values(en)
    .flatMap((m) => forms(m))
    .flatMap(
      (f) =>
        f
          .replace(/\{\w+\}/g, ' ')
          .toLowerCase()
          .match(/\p{L}+/gu) ?? [],
    )
    .filter((w) => w.length > 1),
);

/** The skeleton page as a reader gets it: the words its script writes (its JSON) as text. */
function skeletonText(html: string): string {
  const values = (v: unknown): string[] =>
    typeof v === 'string'
      ? [v.replace(/\{\w+\}/g, ' ')]
      : Object.values(v as object).flatMap(values);
  return html.replace(
    /<script type="application\/json" id="sk-words">([^<]*)<\/script>/,
    (_, json: string) => `<p>${values(JSON.parse(json)).join(' ')}</p>`,
  );
}

function englishWordsIn(text: string): string[] {
  const words = text.toLowerCase().match(/\p{L}+/gu) ?? [];
  return [...new Set(words.filter((w) => ENGLISH_WORDS.has(w)))].sort();
}

describe('a page in every language', () => {
  it.each(LANGUAGES.filter((l) => l !== 'en'))('%s shows no English word', async (l) => {
    const docs = await renderVariant(maskedDemoPage(NOW, l), 'public', NOW);
    const html = docs.filter(
      (d) => d.contentType.startsWith('text/html') || d.path.endsWith('.svg'),
    );
    const pages = [
      ...html.map((d) => d.body),
      ...(await Promise.all(
        (['not_found', 'unauthorized', 'forbidden', 'bad_request'] as const).map(
          async (k) => (await messagePage(k, l)).body,
        ),
      )),
      (
        await renderSessionSwap({
          action: `/${l}/history`,
          token: CUSTOMER_WORD,
          swap: CUSTOMER_WORD,
          keepUrl: `/${l}/history`,
          language: { language: l, tag: l, dir: isRightToLeft(l) ? 'rtl' : 'ltr' },
        })
      ).body,
      skeletonText(
        (
          await skeletonPage({
            language: l,
            tag: l,
            dir: isRightToLeft(l) ? 'rtl' : 'ltr',
            base: `/${l}`,
          })
        ).body,
      ),
    ];
    const allowed = SAME_IN_BOTH[l] ?? [];
    const own = new Set(
      Object.values(CATALOGUES[l])
        .flatMap((m) => forms(m))
        .flatMap((f) => f.toLowerCase().match(/\p{L}+/gu) ?? []),
    );
    for (const w of allowed) expect(own.has(w), `${w} is a word of the ${l} catalogue`).toBe(true);
    const found = englishWordsIn(pages.map(readableText).join(' ')).filter(
      (w) => !allowed.includes(w) && w !== CUSTOMER_WORD.toLowerCase(),
    );
    expect(found).toEqual([]);
    for (const body of pages) expect(body).not.toContain('lang="en"');
  });

  it('says lang and dir: the words’ language, right to left for Arabic and Hebrew', async () => {
    for (const [locale, lang, dir] of [
      ['de-CH', 'de-CH', 'ltr'],
      ['ar', 'ar', 'rtl'],
      ['he-IL', 'he-IL', 'rtl'],
      ['ja', 'ja', 'ltr'],
      // No catalogue for Finnish: the words are English, and the page says so.
      ['fi', 'en', 'ltr'],
    ] as const) {
      const [status] = await renderVariant(maskedDemoPage(NOW, locale), 'public', NOW);
      expect(status!.body).toContain(`<html lang="${lang}" dir="${dir}"`);
    }
  });

  it('marks a string that falls back to English with lang="en", and only that one', () => {
    const partial = new Translator('de');
    // A language that lost a key (a catalogue being written) still reads as German elsewhere.
    Object.defineProperty(partial, 'catalogue', {
      value: { ...CATALOGUES.de, noUpdates: undefined },
    });
    expect(partial.html('noUpdates')).toBe('<span lang="en">No updates yet.</span>');
    expect(partial.html('updates')).toBe('Aktualisierungen');
  });

  it('isolates dates and numbers inside sentences', async () => {
    const [status] = await renderVariant(maskedDemoPage(NOW, 'ar'), 'public', NOW);
    expect(status!.body).toMatch(/آخر تحديث: <bdi><time datetime="[^"]+">[^<]+<\/time><\/bdi>/);
    expect(status!.body).toMatch(/نسبة التوفر <bdi>[^<]+<\/bdi>/);
  });
});
