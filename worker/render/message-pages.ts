// The pages that answer when there is no status page to show. They are the same for every
// hostname and leak nothing: no page name, no services, no hint whether a page exists.
import { isRightToLeft, type Language } from '../domain/languages.ts';
import { styleHashSource } from './digest.ts';
import { type MessagePage, PAGE_CSS, renderMessagePage } from './html.ts';
import { type MessageKey, translator } from './i18n/catalogue.ts';
import { themeCss } from './theme.ts';

export type MessageKind = 'not_found' | 'unauthorized' | 'forbidden' | 'bad_request';

const STATUS = { not_found: 404, unauthorized: 401, forbidden: 403, bad_request: 400 } as const;

const KEYS: Record<MessageKind, { title: MessageKey; heading: MessageKey; message: MessageKey }> = {
  not_found: { title: 'notFoundTitle', heading: 'notFoundHeading', message: 'notFoundMessage' },
  unauthorized: {
    title: 'unauthorizedTitle',
    heading: 'unauthorizedHeading',
    message: 'unauthorizedMessage',
  },
  forbidden: { title: 'forbiddenTitle', heading: 'forbiddenHeading', message: 'forbiddenMessage' },
  bad_request: {
    title: 'badRequestTitle',
    heading: 'badRequestHeading',
    message: 'badRequestMessage',
  },
};

/** One message page in a language: the words as HTML (catalogue.ts), the title as text. */
export function messageWords(kind: MessageKind, language: Language): MessagePage {
  const t = translator(language);
  const keys = KEYS[kind];
  return {
    lang: language,
    dir: isRightToLeft(language) ? 'rtl' : 'ltr',
    title: t.text(keys.title),
    heading: t.html(keys.heading),
    message: t.html(keys.message),
  };
}

export interface RenderedMessage {
  status: 400 | 401 | 403 | 404;
  body: string;
  styleSrc: string;
}

const rendered = new Map<string, Promise<RenderedMessage>>();

/**
 * The page for a refusal, in the language of the path asked for (`/de/…` → German): the path
 * is the visitor's own, so it tells nothing of the page. English elsewhere.
 */
export function messagePage(
  kind: MessageKind,
  language: Language = 'en',
): Promise<RenderedMessage> {
  const key = `${kind}|${language}`;
  let page = rendered.get(key);
  if (!page) {
    const style = `${PAGE_CSS}\n${themeCss(undefined)}`;
    const m = messageWords(kind, language);
    page = styleHashSource(style).then((styleSrc) => ({
      status: STATUS[kind],
      body: renderMessagePage(m, style),
      styleSrc,
    }));
    rendered.set(key, page);
  }
  return page;
}
