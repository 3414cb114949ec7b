// Message catalogues and the translator a render uses. No ICU MessageFormat library: the
// messages need only `{name}` placeholders and, for counts, a plural form picked by
// Intl.PluralRules (workerd's Intl has full ICU data), which keeps the worker bundle small.
// A key a language lacks falls back to English for that string alone, and HTML marks it
// `lang="en"` so screen readers switch voice (test/unit/i18n-catalogues.test.ts keeps every
// catalogue complete, so this is a safety net, not a habit).
import { type Language, languageOf } from '../../domain/languages.ts';
import { escapeHtml } from '../compiled-template.ts';
import { ar } from './messages/ar.ts';
import { de } from './messages/de.ts';
import { en } from './messages/en.ts';
import { es } from './messages/es.ts';
import { fr } from './messages/fr.ts';
import { he } from './messages/he.ts';
import { it } from './messages/it.ts';
import { ja } from './messages/ja.ts';
import { ko } from './messages/ko.ts';
import { nl } from './messages/nl.ts';
import { pl } from './messages/pl.ts';
import { ptBR } from './messages/pt-BR.ts';
import { sv } from './messages/sv.ts';
import { tr } from './messages/tr.ts';
import { zhCN } from './messages/zh-CN.ts';

export type MessageKey = keyof typeof en;
/** A message with a count: one text per plural category of the language, `other` always. */
export type PluralMessage = Partial<Record<Intl.LDMLPluralRule, string>> & { other: string };
export type Message = string | PluralMessage;
export type Catalogue = Partial<Record<MessageKey, Message>>;

export const CATALOGUES: Readonly<Record<Language, Catalogue>> = {
  en,
  de,
  fr,
  es,
  it,
  'pt-BR': ptBR,
  nl,
  pl,
  sv,
  tr,
  ja,
  'zh-CN': zhCN,
  ko,
  ar,
  he,
};

export type MessageArgs = Readonly<Record<string, string | number>>;

/** A message split at its `{name}` placeholders: even indexes text, odd indexes names. */
const splitMessages = new Map<string, readonly string[]>();

function splitMessage(template: string): readonly string[] {
  let parts = splitMessages.get(template);
  if (!parts) {
    parts = template.split(/\{(\w+)\}/);
    splitMessages.set(template, parts);
  }
  return parts;
}

// Messages are few and fixed, and a page fills the same few hundreds of times: each is split
// at its placeholders once instead of scanned by a regular expression on every call.
function fill(template: string, args: MessageArgs, escapeArg: (s: string) => string): string {
  if (!template.includes('{')) return template;
  const parts = splitMessage(template);
  let out = parts[0]!;
  for (let i = 1; i < parts.length; i += 2) {
    const name = parts[i]!;
    const v = args[name];
    out += (v === undefined ? `{${name}}` : escapeArg(String(v))) + parts[i + 1]!;
  }
  return out;
}

/** Escaped as Mustache escapes `{{name}}`: one rule for all text in a page. */
export { escapeHtml };

/** The words of one language, with English where a key is missing. */
export class Translator {
  readonly language: Language;
  private readonly catalogue: Catalogue;
  private readonly plurals: Intl.PluralRules;
  /** Count → plural category, by the language's rules and by English's (for fallbacks). */
  private readonly categories = new Map<number, Intl.LDMLPluralRule>();
  private readonly englishCategories = new Map<number, Intl.LDMLPluralRule>();

  constructor(language: Language) {
    this.language = language;
    this.catalogue = CATALOGUES[language];
    this.plurals = new Intl.PluralRules(language);
  }

  /** Whether `key` comes from English because this language lacks it. */
  isFallback(key: MessageKey): boolean {
    return this.catalogue[key] === undefined && this.language !== 'en';
  }

  private template(key: MessageKey, args: MessageArgs): string {
    const message: Message = this.catalogue[key] ?? en[key];
    if (typeof message === 'string') return message;
    const count = Number(args.count ?? 0);
    // The English plural rules for an English fallback, the language's own otherwise.
    const english = this.catalogue[key] === undefined;
    return message[this.category(count, english)] ?? message.other;
  }

  // Intl.PluralRules.select is dear next to a lookup, and a page asks for the same counts.
  private category(count: number, english: boolean): Intl.LDMLPluralRule {
    const memo = english ? this.englishCategories : this.categories;
    let category = memo.get(count);
    if (category === undefined) {
      category = (english ? englishPlurals() : this.plurals).select(count);
      if (memo.size >= 1024) memo.clear();
      memo.set(count, category);
    }
    return category;
  }

  /** Plain text (titles, attributes, feeds): placeholders filled as given. */
  text(key: MessageKey, args: MessageArgs = {}): string {
    return fill(this.template(key, args), args, (s) => s);
  }

  /**
   * HTML: the message escaped, `args` already HTML (the caller escapes customer text and
   * isolates dates and numbers), wrapped in `lang="en"` when it is an English fallback.
   */
  html(key: MessageKey, args: MessageArgs = {}): string {
    const out = fill(escapedMessage(this.template(key, args)), args, (s) => s);
    return this.isFallback(key) ? `<span lang="en">${out}</span>` : out;
  }
}

let englishRules: Intl.PluralRules | undefined;

function englishPlurals(): Intl.PluralRules {
  englishRules ??= new Intl.PluralRules('en');
  return englishRules;
}

// A catalogue's messages are few and fixed: each is escaped once, not on every call (a page
// asks for the same few words hundreds of times).
const escapedMessages = new Map<string, string>();

function escapedMessage(message: string): string {
  let out = escapedMessages.get(message);
  if (out === undefined) {
    out = escapeHtml(message);
    escapedMessages.set(message, out);
  }
  return out;
}

const translators = new Map<Language, Translator>();

export function translator(language: Language): Translator {
  let t = translators.get(language);
  if (!t) {
    t = new Translator(language);
    translators.set(language, t);
  }
  return t;
}

/** A page's language from its `locale` (any BCP 47 tag): its catalogue, or English. */
export function pageLanguage(locale: string | undefined): Language {
  return languageOf(locale ?? 'en') ?? 'en';
}
