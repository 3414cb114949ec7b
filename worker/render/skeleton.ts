// The skeleton page: what a visitor gets when a page's render is not in KV and the coordinator
// could not produce it within the time budget. It names nothing of the page (the read path
// knows only the page id at that point), says what is happening without JavaScript (and
// reloads itself), and with JavaScript completes itself from the page's JSON API. It is the
// only HTML we serve that runs a script, and the script is a same-origin file, so its CSP adds
// `script-src 'self'` and nothing inline.
import Mustache from 'mustache';
import skeletonTemplate from '../../templates/skeleton-page.mustache';
import skeletonScript from '../../templates/skeleton-script.txt';
import { contentSecurityPolicy } from '../http/headers.ts';
import { styleHashSource } from './digest.ts';
import { PAGE_CSS } from './html.ts';
import { themeCss } from './theme.ts';

export const SKELETON_SCRIPT_PATH = '/_edge/skeleton.js';
export const SKELETON_SUMMARY_PATH = '/api/v2/summary.json';
export const SKELETON_SCRIPT = skeletonScript;

export interface SkeletonPage {
  body: string;
  csp: string;
}

let rendered: Promise<SkeletonPage> | undefined;

export function skeletonPage(): Promise<SkeletonPage> {
  rendered ??= (async () => {
    const style = `${PAGE_CSS}\n${themeCss(undefined)}`;
    const body = Mustache.render(skeletonTemplate, {
      style,
      scriptPath: SKELETON_SCRIPT_PATH,
      summaryPath: SKELETON_SUMMARY_PATH,
    });
    // The shared policy already allows connect-src 'self' (the fetch of summary.json).
    const csp = `${contentSecurityPolicy(await styleHashSource(style))}; script-src 'self'`;
    return { body, csp };
  })();
  return rendered;
}
