// The page a browser sees when a token link would replace another valid session (issue 12):
// it asks first, without JavaScript. "Switch" submits the link's token again with a `swap`
// proof of the session being replaced (so a link cannot come with the answer already in it);
// "Keep" goes to the page with the current session. Says nothing about the page itself; speaks
// the language of the version the link opens.
import { escapeHtml } from './compiled-template.ts';
import { styleHashSource } from './digest.ts';
import { PAGE_CSS } from './html.ts';
import { translator } from './i18n/catalogue.ts';
import type { LanguageVersion } from './i18n/page-language.ts';
import { themeCss } from './theme.ts';

export interface SessionSwapPage {
  body: string;
  styleSrc: string;
}

export async function renderSessionSwap(opts: {
  action: string;
  token: string;
  swap: string;
  keepUrl: string;
  language?: Pick<LanguageVersion, 'language' | 'tag' | 'dir'>;
}): Promise<SessionSwapPage> {
  const { language = 'en', tag = 'en', dir = 'ltr' } = opts.language ?? {};
  const t = translator(language);
  const style = `${PAGE_CSS}\n${themeCss(undefined)}`;
  const body = `<!doctype html>
<html lang="${escapeHtml(tag)}" dir="${dir}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="robots" content="noindex">
<title>${escapeHtml(t.text('swapTitle'))}</title>
<style>${style}</style>
</head>
<body>
<main id="main" class="msg">
<h1>${t.html('swapHeading')}</h1>
<p>${t.html('swapMessage')}</p>
<form method="get" action="${escapeHtml(opts.action)}">
<input type="hidden" name="token" value="${escapeHtml(opts.token)}">
<input type="hidden" name="swap" value="${escapeHtml(opts.swap)}">
<button type="submit">${t.html('swapSwitch')}</button>
</form>
<p><a href="${escapeHtml(opts.keepUrl)}">${t.html('swapKeep')}</a></p>
</main>
</body>
</html>
`;
  return { body, styleSrc: await styleHashSource(style) };
}
