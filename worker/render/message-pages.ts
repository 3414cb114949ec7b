// The pages that answer when there is no status page to show. They are the same for every
// hostname and leak nothing: no page name, no services, no hint whether a page exists.
import { styleHashSource } from './digest.ts';
import { type MessagePage, PAGE_CSS, renderMessagePage } from './html.ts';
import { themeCss } from './theme.ts';

export type MessageKind = 'not_found' | 'unauthorized' | 'forbidden' | 'bad_request';

export const MESSAGES: Record<MessageKind, MessagePage & { status: 400 | 401 | 403 | 404 }> = {
  not_found: {
    status: 404,
    title: 'Page not found',
    heading: 'There is no status page here',
    message:
      'Check the address, or ask the organisation that sent you here for the link to their status page.',
  },
  unauthorized: {
    status: 401,
    title: 'Sign-in required',
    heading: 'This status page is private',
    message: 'Open the link you were given to view it, or ask its owner for access.',
  },
  forbidden: {
    status: 403,
    title: 'Access denied',
    heading: 'You do not have access to this status page',
    message: 'Your credentials are valid but do not include this page. Ask its owner for access.',
  },
  bad_request: {
    status: 400,
    title: 'Bad request',
    heading: 'That request could not be understood',
    message: 'Check the address and try again.',
  },
};

export interface RenderedMessage {
  status: 400 | 401 | 403 | 404;
  body: string;
  styleSrc: string;
}

const rendered = new Map<MessageKind, Promise<RenderedMessage>>();

export function messagePage(kind: MessageKind): Promise<RenderedMessage> {
  let page = rendered.get(kind);
  if (!page) {
    const style = `${PAGE_CSS}\n${themeCss(undefined)}`;
    const m = MESSAGES[kind];
    page = styleHashSource(style).then((styleSrc) => ({
      status: m.status,
      body: renderMessagePage(m, style),
      styleSrc,
    }));
    rendered.set(kind, page);
  }
  return page;
}
