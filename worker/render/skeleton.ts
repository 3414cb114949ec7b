// The skeleton page: what a visitor gets when a page's render is not in KV and the coordinator
// could not produce it within the time budget. It names nothing of the page (the read path
// knows only the page's host record at that point), says what is happening without JavaScript
// (and reloads itself), and with JavaScript completes itself from the page's JSON API. It is
// the only HTML we serve that runs a script, and the script is a same-origin file, so its CSP
// adds `script-src 'self'` and nothing inline. It speaks the language of the version asked
// for: its own words from the catalogue, the script's as a JSON data block (not run, so no CSP
// source), which keeps the script one file for every language.
import Mustache from 'mustache';
import skeletonTemplate from '../../templates/skeleton-page.mustache';
import skeletonScript from '../../templates/skeleton-script.txt';
import type { IncidentStatus, MaintenanceStatus, ServiceStatus } from '../domain/schema.ts';
import { contentSecurityPolicy } from '../http/headers.ts';
import { styleHashSource } from './digest.ts';
import { PAGE_CSS } from './html.ts';
import { type MessageKey, type Translator, translator } from './i18n/catalogue.ts';
import type { LanguageVersion } from './i18n/page-language.ts';
import { INCIDENT_STATUS_KEY, MAINTENANCE_STATUS_KEY, SERVICE_STATUS_KEY } from './labels.ts';
import { themeCss } from './theme.ts';

export const SKELETON_SCRIPT_PATH = '/_edge/skeleton.js';
export const SKELETON_SUMMARY_PATH = '/api/v2/summary.json';
export const SKELETON_SCRIPT = skeletonScript;

export interface SkeletonPage {
  body: string;
  csp: string;
}

export type SkeletonLanguage = Pick<LanguageVersion, 'language' | 'tag' | 'dir' | 'base'>;

const ENGLISH: SkeletonLanguage = { language: 'en', tag: 'en', dir: 'ltr', base: '' };

function labels<S extends string>(keys: Record<S, MessageKey>, t: Translator): Record<S, string> {
  const out = {} as Record<S, string>;
  for (const s of Object.keys(keys) as S[]) out[s] = t.text(keys[s]);
  return out;
}

/** The words the script writes, by the API's values (skeleton-script.txt reads them). */
export function scriptWords(t: Translator) {
  return {
    // `{page}` stays for the script to fill with the page's name.
    text: {
      pageStatus: t.text('pageStatus'),
      unknown: t.text('skeletonUnknown'),
      showing: t.text('skeletonShowing'),
      reload: t.text('skeletonReload'),
      failed: t.text('skeletonFailed'),
      retry: t.text('skeletonRetry'),
      activeIncidents: t.text('activeIncidents'),
      maintenance: t.text('maintenance'),
      services: t.text('services'),
    },
    overall: {
      none: t.text('overallNone'),
      minor: t.text('overallMinor'),
      major: t.text('overallMajor'),
      critical: t.text('overallCritical'),
      maintenance: t.text('overallMaintenance'),
    },
    service: labels<ServiceStatus>(SERVICE_STATUS_KEY, t),
    incident: labels<IncidentStatus>(INCIDENT_STATUS_KEY, t),
    maintenance: labels<MaintenanceStatus>(MAINTENANCE_STATUS_KEY, t),
  };
}

/** JSON that cannot end the `<script>` element it sits in. */
function scriptData(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c');
}

const rendered = new Map<string, Promise<SkeletonPage>>();

/** The skeleton in one language version of a page (English when the read path knows none). */
export function skeletonPage(version: SkeletonLanguage = ENGLISH): Promise<SkeletonPage> {
  const key = `${version.tag}|${version.dir}|${version.base}`;
  let page = rendered.get(key);
  if (!page) {
    page = (async () => {
      const t = translator(version.language);
      const style = `${PAGE_CSS}\n${themeCss(undefined)}`;
      const body = Mustache.render(skeletonTemplate, {
        lang: version.tag,
        dir: version.dir,
        base: version.base,
        style,
        scriptPath: SKELETON_SCRIPT_PATH,
        summaryPath: SKELETON_SUMMARY_PATH,
        scriptWords: scriptData(scriptWords(t)),
        w: {
          title: t.text('skeletonTitle'),
          skip: t.text('skipToContent'),
          loading: t.text('skeletonLoading'),
          updating: t.text('skeletonUpdating'),
          reloads: t.text('skeletonReloads'),
          more: t.text('moreLinks'),
          history: t.text('incidentHistory'),
          api: t.text('statusApi'),
        },
      });
      // The shared policy already allows connect-src 'self' (the fetch of summary.json).
      const csp = `${contentSecurityPolicy(await styleHashSource(style))}; script-src 'self'`;
      return { body, csp };
    })();
    // Tags come from pages' locales: a few per deployment, but not trusted to stay few.
    if (rendered.size >= 64) rendered.clear();
    rendered.set(key, page);
  }
  return page;
}
