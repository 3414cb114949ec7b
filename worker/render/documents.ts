// One variant of a page → every document the read path serves for it, ready for KV.
// Each document comes as a recipe: its ETag from what it reads (fingerprint.ts), known before
// rendering, and its render, run only for documents that must be written or served. Pure apart
// from hashing; the coordinator decides which of these changed and writes them.

import { jsonOfIncident } from '../domain/incident-json.ts';
import { overallStatus } from '../domain/indicator.ts';
import type { Incident } from '../domain/schema.ts';
import {
  audienceOfVariant,
  type PageSnapshot,
  shownServices,
  sliceForAudience,
} from '../domain/snapshot.ts';
import { activeIncidents, PAST_INCIDENT_DAYS, pastIncidents } from '../domain/timeline.ts';
import { API_PATHS } from '../domain/visitor-paths.ts';
import { badgeDocument, SVG_CONTENT_TYPE } from './api/badge.ts';
import { type PageFacts, pageFacts, pageUrl } from './api/facts.ts';
import { ATOM_CONTENT_TYPE, feedDocuments, RSS_CONTENT_TYPE } from './api/feeds.ts';
import { JSON_CONTENT_TYPE, statuspageDocuments } from './api/statuspage.ts';
import { styleHashSource } from './digest.ts';
import {
  buildId,
  digestHex,
  fingerprintEtag,
  formattingProbe,
  joinParts,
  memoDigestHex,
} from './fingerprint.ts';
import {
  PAGE_CSS,
  renderHistoryPage,
  renderIncidentPage,
  renderStatusPage,
  renderStatusPageBytes,
} from './html.ts';
import { languageInput } from './i18n/fingerprint-input.ts';
import { type LanguageVersion, languageVersions, renderLanguage } from './i18n/page-language.ts';
import type { IncrementalPlan, PageChanges, VariantPlan } from './plan-memo.ts';
import { themeCss } from './theme.ts';
import {
  affectedNames,
  historyPageView,
  incidentPageView,
  type RenderContext,
  serviceSections,
  statusPageView,
} from './view-model.ts';

export const HTML = 'text/html; charset=utf-8';

export interface RenderedDocument {
  /** The visitor path this answers, e.g. `/`, `/history`, `/incidents/inc_1`. */
  path: string;
  contentType: string;
  body: string;
  etag: string;
  /** For HTML: the CSP source allowing its one inline style block. */
  styleSrc?: string;
}

/** A document as a cold miss answers it: its UTF-8 bytes, the page never one string. */
export interface EncodedDocument {
  path: string;
  contentType: string;
  bytes: Uint8Array;
  etag: string;
  styleSrc?: string;
}

/** A document before hashing; every producer of documents for a variant returns these. */
export interface DocumentSource {
  path: string;
  contentType: string;
  body: string;
  styleSrc?: string;
  /** Its UTF-8 bytes, where they are cheaper to make than by encoding `body`. */
  bytes?(): Uint8Array;
}

/** A document of a variant, not rendered yet. */
export interface DocumentRecipe {
  path: string;
  contentType: string;
  styleSrc?: string;
  /** Its strong ETag for a build: a hash of the build id and everything the document reads. */
  etag(build: string): Promise<string>;
  render(): string;
  /** Its UTF-8 bytes, where they are cheaper to make than by encoding `render()`. */
  bytes?(): Uint8Array;
}

/** A recipe with its ETag worked out: what the coordinator compares with what KV holds. */
export interface PlannedDocument {
  path: string;
  contentType: string;
  styleSrc?: string;
  etag: string;
  render(): string;
  /** Its UTF-8 bytes, where they are cheaper to make than by encoding `render()`. */
  bytes?(): Uint8Array;
}

export interface RenderOptions {
  /** A build id (fingerprint.ts `buildId`), when the caller knows another than this one's. */
  build?: string;
  /** The deployment's version id (Workers version metadata), part of the build id. */
  deployment?: string;
  /** planVariant: plan from the last plan and what changed since (plan-memo.ts). */
  incremental?: IncrementalPlan;
}

/** The last plan of a variant and what changed since: which tags a plan may take as they were. */
interface Since {
  prior: VariantPlan;
  changes: PageChanges;
}

/** How a variant's recipes tell planVariant what they worked out (for the next plan). */
interface PlanRecord {
  incidentsDigest(): Promise<string>;
  /** Documents fingerprinted so far (the others took their tag from the last plan). */
  fingerprinted: number;
}

export function pageStyle(accent: string | undefined): string {
  return `${PAGE_CSS}\n${themeCss(accent)}`;
}

// A page's style is one of a few (one per accent colour): its CSP hash is worked out once.
const styleSources = new Map<string, Promise<string>>();

function styleSourceOf(style: string): Promise<string> {
  let src = styleSources.get(style);
  if (!src) {
    src = styleHashSource(style);
    if (styleSources.size >= 64) styleSources.clear();
    styleSources.set(style, src);
  }
  return src;
}

function once<T>(make: () => T): () => T {
  let made = false;
  let value: T;
  return () => {
    if (!made) {
      value = make();
      made = true;
    }
    return value;
  };
}

/**
 * Every document of one variant, as recipes: one set per language of the page (its own at
 * `/`, each of its `locales` under `/<tag>/`). Cheap: views and inputs are built when a recipe
 * first needs them, and shared between the recipes of the variant; the JSON API is the same
 * in every language, so it is one set of documents that every prefix reads.
 */
export async function variantRecipes(
  snapshot: PageSnapshot,
  variant: string,
  now: Date,
  since: Since | null = null,
  record?: PlanRecord,
): Promise<DocumentRecipe[]> {
  const slice = sliceForAudience(snapshot, audienceOfVariant(variant));
  const versions = languageVersions(slice.page);
  const facts = once((): PageFacts => pageFacts(slice, now));
  const api = once(() => byPath(statuspageDocuments(slice, now, facts(), variant)));
  // The same incidents in every language: one digest per variant, the last plan's while no
  // incident changed (nothing else is in it).
  const incidentsDigest = once(() =>
    since && since.changes.incidents.size === 0
      ? Promise.resolve(since.prior.incidentsDigest)
      : memoDigestHex(slice.incidents.map(jsonOfIncident).join(',')),
  );
  if (record) record.incidentsDigest = incidentsDigest;
  const shared: VariantShared = { facts, api, incidentsDigest, since, record };
  const out: DocumentRecipe[] = [];
  for (const version of versions) {
    out.push(...(await languageRecipes(slice, variant, version, versions, now, shared)));
  }
  return out;
}

interface HtmlOptions {
  /** Its inputs never come again (the render time is one): not kept for later. */
  unique?: boolean;
  bytes?: () => Uint8Array;
  /** Whether none of its inputs can have changed with these changes (see `tagOf`). */
  unchanged?: (changes: PageChanges) => boolean;
}

interface SetOptions {
  /** Whether none of its inputs can have changed with these changes (see `tagOf`). */
  unchanged?: (changes: PageChanges) => boolean;
  /** Its bytes from the set's own (the JSON API's are made of shared pieces). */
  bytes?: boolean;
}

/** What every language of a variant shares. */
interface VariantShared {
  facts: () => PageFacts;
  api: () => Map<string, DocumentSource>;
  incidentsDigest: () => Promise<string>;
  since: Since | null;
  record: PlanRecord | undefined;
}

async function languageRecipes(
  variantSlice: PageSnapshot,
  variant: string,
  version: LanguageVersion,
  versions: readonly LanguageVersion[],
  now: Date,
  { facts, api, incidentsDigest, since, record }: VariantShared,
): Promise<DocumentRecipe[]> {
  // Everything below reads the page's `locale`: here, the language of this set of documents.
  const slice: PageSnapshot =
    variantSlice.page.locale === version.tag
      ? variantSlice
      : { ...variantSlice, page: { ...variantSlice.page, locale: version.tag } };
  const { page } = slice;
  const base = version.base;
  /** Where a document's tag is kept between renders (fingerprint.ts). */
  const slot = (path: string) => `${page.id}\n${variant}\n${path}`;
  const ctx: RenderContext = { snapshot: slice, now, lang: renderLanguage(version, versions) };
  const style = pageStyle(page.branding?.accentColor);
  const styleSrc = await styleSourceOf(style);
  const zone = page.timeZone ?? 'UTC';
  const locale = version.tag;

  // What documents read, each serialised once (see fingerprint.ts for the rule they keep).
  const probe = once(() => formattingProbe(locale, zone));
  /** Everything head, foot and the stylesheet print of the page (the CSS is in the build). */
  const chrome = once(() =>
    JSON.stringify([
      page.name,
      page.locale ?? null,
      page.timeZone ?? null,
      page.branding ?? null,
      page.supportUrl ?? null,
      // The hreflang alternates name the page's canonical origin (its first hostname).
      pageUrl(slice),
      probe(),
      languageInput(version, versions),
    ]),
  );
  const layout = once(() => JSON.stringify([page.serviceIds, page.groups ?? null]));
  const services = once(() => JSON.stringify(slice.services));
  const maintenances = once(() => JSON.stringify(slice.maintenances));
  /** The incidents the status page shows: the unresolved ones and those of its past days. */
  const shownIncidents = once(() =>
    [
      ...activeIncidents(slice.incidents),
      ...pastIncidents(slice.incidents, now, PAST_INCIDENT_DAYS),
    ]
      .map(jsonOfIncident)
      .join(','),
  );
  const names = (i: Incident) => affectedNames(slice, i.serviceIds);
  /** Whether a changed service is one an incident names (the history prints those names). */
  const namesChanged = (c: PageChanges) =>
    c.services.size > 0 &&
    slice.incidents.some((i) => i.serviceIds.some((id) => c.services.has(id)));
  /** The JSON API and the feeds read the derived facts; phases are how the clock shows. */
  const factsInput = once(() => {
    const f = facts();
    return JSON.stringify([f.url, f.timeZone, f.updatedAt, [...f.services], [...f.maintenances]]);
  });
  const apiDigest = once(async () =>
    digestHex(
      JSON.stringify([
        page.id,
        page.name,
        probe(),
        layout(),
        services(),
        maintenances(),
        factsInput(),
        await incidentsDigest(),
      ]),
    ),
  );
  // Feeds read the incidents and their times (derived from the incidents alone), and the
  // page's latest change only when they have no entry (api/feeds.ts `newest`).
  const feedsDigest = once(async () => {
    const f = facts();
    return memoDigestHex(
      JSON.stringify([
        page.name,
        page.locale ?? null,
        probe(),
        languageInput(version, versions),
        f.url,
        f.timeZone,
        slice.incidents.length === 0 ? f.updatedAt : null,
        await incidentsDigest(),
      ]),
    );
  });

  // Feeds read the services only through the page's latest change, when they have no entry.
  const feedsUnchanged = (c: PageChanges) => c.incidents.size === 0 && slice.incidents.length > 0;

  const status = once(() => statusPageView(ctx));
  const history = once(() => historyPageView(ctx));
  const feeds = once(() => byPath(feedDocuments(slice, now, facts(), base)));

  /**
   * A document's tag: the last plan's when `unchanged` says none of its inputs changed since
   * (plan-memo.ts), else its fingerprint. `unchanged` absent: always fingerprinted.
   */
  const tagOf = async (
    build: string,
    path: string,
    fingerprint: () => Promise<string>,
    unchanged?: (changes: PageChanges) => boolean,
  ): Promise<string> => {
    if (since && unchanged && since.prior.build === build && unchanged(since.changes)) {
      const kept = since.prior.etags.get(path);
      if (kept !== undefined) return kept;
    }
    if (record) record.fingerprinted += 1;
    return fingerprint();
  };
  const html = (
    docPath: string,
    inputs: () => Promise<readonly string[]>,
    render: () => string,
    { unique = false, bytes, unchanged }: HtmlOptions = {},
  ): DocumentRecipe => {
    const path = `${base}${docPath}`;
    return {
      path,
      contentType: HTML,
      styleSrc,
      etag: (build) =>
        tagOf(
          build,
          path,
          async () => fingerprintEtag(build, [path, ...(await inputs())], unique, slot(path)),
          unchanged,
        ),
      render,
      ...(bytes ? { bytes } : {}),
    };
  };
  const fromSet = (
    docPath: string,
    contentType: string,
    digest: () => Promise<string>,
    set: () => Map<string, DocumentSource>,
    { unchanged, bytes = false }: SetOptions = {},
  ): DocumentRecipe => {
    const path = `${base}${docPath}`;
    return {
      path,
      contentType,
      etag: (build) =>
        tagOf(
          build,
          path,
          async () => fingerprintEtag(build, [path, await digest()], false, slot(path)),
          unchanged,
        ),
      render: () => sourceOf(set, docPath).body,
      ...(bytes
        ? {
            bytes: () => {
              const doc = sourceOf(set, docPath);
              return doc.bytes ? doc.bytes() : encoder.encode(doc.body);
            },
          }
        : {}),
    };
  };

  return [
    html(
      '/',
      // Its rows' inputs carry each shown service and its uptime (see view-model.ts): our own
      // ASCII (the rows' keys, one byte a character) and the customer's text (section and
      // service names) as two inputs, each hashed as it is encoded (digestPartsHex). The
      // counts in the first say which texts of the second belong to which section.
      async () => {
        const sections = serviceSections(ctx);
        return [
          chrome(),
          now.toISOString(),
          layout(),
          joinParts(
            sections.flatMap((section) => [
              String(section.services.length),
              ...section.services.map((row) => row.key),
            ]),
          ),
          joinParts(
            sections.flatMap((section) => [
              JSON.stringify(section.name),
              ...section.services.map((row) => row.text),
            ]),
          ),
          maintenances(),
          shownIncidents(),
        ];
      },
      () => renderStatusPage(status(), style),
      // The render time is an input: these never come again.
      { unique: true, bytes: () => renderStatusPageBytes(status(), style) },
    ),
    html(
      '/history',
      async () => [chrome(), await incidentsDigest(), JSON.stringify(slice.incidents.map(names))],
      () => renderHistoryPage(history(), style),
      { unchanged: (c) => c.incidents.size === 0 && !namesChanged(c) },
    ),
    ...slice.incidents.map((incident) =>
      html(
        `/incidents/${incident.id}`,
        async () => [chrome(), jsonOfIncident(incident), names(incident)],
        () => renderIncidentPage(incidentPageView(ctx, incident), style),
        {
          unchanged: (c) =>
            !c.incidents.has(incident.id) && !incident.serviceIds.some((id) => c.services.has(id)),
        },
      ),
    ),
    // The machine-readable documents: Statuspage API v2, feeds and the badge.
    // Once per variant, not per language: `/de/api/…` is read as `/api/…` (visitor-paths.ts).
    ...(base === ''
      ? API_PATHS.map((path) => fromSet(path, JSON_CONTENT_TYPE, apiDigest, api, { bytes: true }))
      : []),
    fromSet('/history.atom', ATOM_CONTENT_TYPE, feedsDigest, feeds, { unchanged: feedsUnchanged }),
    fromSet('/history.rss', RSS_CONTENT_TYPE, feedsDigest, feeds, { unchanged: feedsUnchanged }),
    {
      path: `${base}/badge.svg`,
      contentType: SVG_CONTENT_TYPE,
      // It reads the clock (a maintenance window opening): fingerprinted every time.
      etag: (build) =>
        tagOf(build, `${base}/badge.svg`, async () =>
          fingerprintEtag(
            build,
            [
              `${base}/badge.svg`,
              page.name,
              languageInput(version, versions),
              JSON.stringify(
                overallStatus(shownServices(slice), slice.incidents, slice.maintenances, now),
              ),
            ],
            false,
            slot(`${base}/badge.svg`),
          ),
        ),
      render: () => badgeDocument(slice, now).body,
    },
  ];
}

const encoder = new TextEncoder();

function sourceOf(set: () => Map<string, DocumentSource>, path: string): DocumentSource {
  const doc = set().get(path);
  if (!doc) throw new Error(`no ${path} among the documents rendered with it`);
  return doc;
}

function byPath(docs: readonly DocumentSource[]): Map<string, DocumentSource> {
  return new Map(docs.map((d) => [d.path, d]));
}

async function buildOf(options: RenderOptions): Promise<string> {
  return options.build ?? buildId(options.deployment);
}

// planVariant and renderVariant take the same arguments on purpose: renderVariant is planVariant
// followed by rendering every document.
/** Every document of a variant with its ETag, none rendered yet. */
export async function planVariant(
  snapshot: PageSnapshot,
  variant: string,
  now: Date,
  options: RenderOptions = {},
): Promise<PlannedDocument[]> {
  const build = await buildOf(options);
  const inc = options.incremental;
  if (!inc) {
    const recipes = await variantRecipes(snapshot, variant, now);
    return Promise.all(recipes.map((r) => planned(r, build)));
  }
  // From the last plan of this variant, unless the page itself changed (everything reads it).
  const prior = inc.changes.page ? undefined : inc.prior?.get(variant);
  const since = prior && prior.build === build ? { prior, changes: inc.changes } : null;
  const record: PlanRecord = {
    incidentsDigest: () => Promise.reject(new Error('no recipes yet')),
    fingerprinted: 0,
  };
  const recipes = await variantRecipes(snapshot, variant, now, since, record);
  const docs = await Promise.all(recipes.map((r) => planned(r, build)));
  inc.next.set(variant, {
    build,
    etags: new Map(docs.map((d) => [d.path, d.etag])),
    incidentsDigest: await record.incidentsDigest(),
  });
  if (inc.stats) inc.stats.fingerprinted += record.fingerprinted;
  return docs;
}

async function planned(recipe: DocumentRecipe, build: string): Promise<PlannedDocument> {
  return {
    path: recipe.path,
    contentType: recipe.contentType,
    ...(recipe.styleSrc ? { styleSrc: recipe.styleSrc } : {}),
    etag: await recipe.etag(build),
    render: recipe.render,
    ...(recipe.bytes ? { bytes: recipe.bytes } : {}),
  };
}

function rendered(doc: PlannedDocument): RenderedDocument {
  return {
    path: doc.path,
    contentType: doc.contentType,
    body: doc.render(),
    etag: doc.etag,
    ...(doc.styleSrc ? { styleSrc: doc.styleSrc } : {}),
  };
}

// Same signature as planVariant: it is planVariant with every document rendered.
/** Every document of a variant, rendered: a publish from scratch. */
export async function renderVariant(
  snapshot: PageSnapshot,
  variant: string,
  now: Date,
  options: RenderOptions = {},
): Promise<RenderedDocument[]> {
  return (await planVariant(snapshot, variant, now, options)).map(rendered);
}

/**
 * One document of a variant as UTF-8 (what a cold miss on the read path answers), or null if
 * none: the bytes a visitor's response takes, made the cheapest way the recipe knows (the
 * status page in pieces, never as one string: html.ts renderStatusPageBytes).
 */
export async function renderDocumentBytes(
  snapshot: PageSnapshot,
  variant: string,
  path: string,
  now: Date,
  options: RenderOptions = {},
): Promise<EncodedDocument | null> {
  const build = await buildOf(options);
  const recipe = (await variantRecipes(snapshot, variant, now)).find((r) => r.path === path);
  if (!recipe) return null;
  const doc = await planned(recipe, build);
  return {
    path: doc.path,
    contentType: doc.contentType,
    bytes: doc.bytes ? doc.bytes() : encoder.encode(doc.render()),
    etag: doc.etag,
    ...(doc.styleSrc ? { styleSrc: doc.styleSrc } : {}),
  };
}
