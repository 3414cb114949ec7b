// The page a browser sees when a token link would replace another valid session (issue 12):
// it asks first, without JavaScript. "Switch" submits the link's token again with a `swap`
// proof of the session being replaced (so a link cannot come with the answer already in it);
// "Keep" goes to the page with the current session. Says nothing about the page itself.
import { escapeHtml } from './compiled-template.ts';
import { styleHashSource } from './digest.ts';
import { PAGE_CSS } from './html.ts';
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
}): Promise<SessionSwapPage> {
  const style = `${PAGE_CSS}\n${themeCss(undefined)}`;
  const body = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="robots" content="noindex">
<title>Switch session?</title>
<style>${style}</style>
</head>
<body>
<main id="main" class="msg">
<h1>You are already signed in to this status page</h1>
<p>The link you opened signs you in as a different viewer. Switch to it, or keep your current session?</p>
<form method="get" action="${escapeHtml(opts.action)}">
<input type="hidden" name="token" value="${escapeHtml(opts.token)}">
<input type="hidden" name="swap" value="${escapeHtml(opts.swap)}">
<button type="submit">Switch to the link’s session</button>
</form>
<p><a href="${escapeHtml(opts.keepUrl)}">Keep my current session</a></p>
</main>
</body>
</html>
`;
  return { body, styleSrc: await styleHashSource(style) };
}
