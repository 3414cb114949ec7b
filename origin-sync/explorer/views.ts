// The explorer's pages as HTML (pure: data in, markup out). Every page names its JSON.

import { z } from 'zod';
import { SubscriptionsOverview } from '../../worker/sync/deliveries-contract.ts';
import type { PagePush } from '../push/pusher.ts';
import type { StatusAnswer } from '../push/render-confirmer.ts';
import type { Health, SystemMinutes } from '../service.ts';
import type { MinuteCount, OperatorAction, RecordedRequest } from '../store/requests.ts';
import type { DeadLetter } from '../store/store.ts';
import type { EventTrace, TraceStep } from '../store/trace.ts';
import { barChart } from './charts.ts';
import { Html, html, qs } from './html.ts';
import { anchorOf, type PointedError, payloadView } from './payload-view.ts';

export type Nav = 'find' | 'requests' | 'system' | 'none';

/** A JSON answer of docs/contract.md §3 that a page shows; the first is the page's own. */
export interface JsonLink {
  href: string;
  label: string;
}

export function layout(opts: {
  title: string;
  nav: Nav;
  body: Html;
  json?: JsonLink[];
  signedIn: boolean;
}): string {
  const [own, ...more] = opts.json ?? [];
  const link = (href: string, label: string, key: Nav) =>
    html`<li><a href="${href}"${opts.nav === key ? new Html(' aria-current="page"') : ''}>${label}</a></li>`;
  return `<!doctype html>${html`<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>${opts.title} · Event explorer</title>
<link rel="stylesheet" href="/explorer/explorer.css">
${own ? html`<link rel="alternate" type="application/json" href="${own.href}">` : ''}
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header class="top"><div class="bar">
<a class="brand" href="/explorer">Event explorer</a>
${
  opts.signedIn
    ? html`<nav aria-label="Explorer"><ul>${link('/explorer', 'Find', 'find')}${link('/explorer/requests?outcome=refused', 'Refused requests', 'requests')}${link('/explorer/system', 'System', 'system')}</ul></nav>
<form method="post" action="/explorer/sign-out"><button type="submit" class="secondary">Sign out</button></form>`
    : ''
}
</div></header>
<main id="main">
<h1>${opts.title}</h1>
${own ? html`<p class="json-link"><a href="${own.href}" type="application/json">${own.label}</a>${more.map((l) => html` · <a href="${l.href}" type="application/json">${l.label}</a>`)}</p>` : ''}
${opts.body}
</main>
</body>
</html>`}`;
}

export function signInView(next: string, error?: string): Html {
  return html`${error ? html`<p class="notice" role="alert">${error}</p>` : ''}
<p>The explorer shows the core's requests, events, pages and renders. Sign in with the operator token (<code>OPERATOR_TOKEN</code>) once; a cookie keeps you signed in for 12 hours.</p>
<form method="post" action="/explorer/sign-in" class="find">
<input type="hidden" name="next" value="${next}">
<label for="token">Operator token<input id="token" name="token" type="password" autocomplete="current-password" required></label>
<button type="submit">Sign in</button>
</form>`;
}

// Milliseconds kept: the steps of one event are often within the same second.
const fmt = (iso: string) => iso.replace('T', ' ');

function ms(from: string, to: string): string {
  const d = Date.parse(to) - Date.parse(from);
  if (!Number.isFinite(d)) return '';
  // The edge may confirm a render a moment before origin-sync wrote down its answer.
  if (d < 0) return `−${-d} ms`;
  if (d < 1000) return `+${d} ms`;
  if (d < 120_000) return `+${(d / 1000).toFixed(1)} s`;
  return `+${Math.round(d / 60_000)} min`;
}

export type EventOutcome =
  | 'applied'
  | 'duplicate'
  | 'stale'
  | 'failed'
  | 'dead_lettered'
  | 'pending';

/** What finally happened to an event on one page, from its steps. */
export function outcomeOn(trace: EventTrace, pageId: string): EventOutcome {
  let out: EventOutcome = 'pending';
  for (const s of trace.steps) {
    if (s.pageId !== pageId) continue;
    if (s.step === 'applied') out = 'applied';
    else if (s.step === 'skipped') out = s.detail === 'duplicate' ? 'duplicate' : 'stale';
    else if (s.step === 'failed')
      out = s.detail?.startsWith('dead-lettered') ? 'dead_lettered' : 'failed';
  }
  return out;
}

const OUTCOME_TEXT: Record<EventOutcome, [string, string]> = {
  applied: ['applied', 'ok'],
  duplicate: ['skipped · duplicate', 'warn'],
  stale: ['skipped · stale', 'warn'],
  failed: ['failed', 'bad'],
  dead_lettered: ['dead-lettered', 'bad'],
  pending: ['pending', 'muted'],
};

function badge(o: EventOutcome): Html {
  const [text, cls] = OUTCOME_TEXT[o];
  return html`<span class="badge ${cls}">${text}</span>`;
}

/** A live page as the find view lists it. */
export interface PageEntry {
  id: string;
  name: string;
  hostnames: string[];
}

const PAGES_LISTED = 50;

export function findView(
  q: string,
  results: Html | null,
  start?: { pages: PageEntry[]; refused: RecordedRequest[] },
): Html {
  return html`<form method="get" action="/explorer/find" class="find" role="search">
<label for="q">Event id, page id, hostname or request id<input id="q" name="q" value="${q}" required size="40"></label>
<button type="submit">Find</button>
</form>
${results ?? html`<p class="muted">Or see the <a href="/explorer/requests?outcome=refused">refused requests</a>, <a href="/explorer/requests">all recent requests</a> or <a href="/explorer/system">the whole system</a>.</p>`}
${
  start
    ? html`<div class="cards start">
<section class="card" aria-labelledby="pages-h"><h2 id="pages-h">Pages</h2>${
        start.pages.length === 0
          ? html`<p class="muted">No live page yet: the core has sent no <code>status_page.upserted</code>.</p>`
          : html`<ul class="plain">${start.pages.slice(0, PAGES_LISTED).map((p) => html`<li><a href="/explorer/pages/${encodeURIComponent(p.id)}">${p.name}</a> <span class="muted">${p.id}${p.hostnames.length ? ` · ${p.hostnames.join(', ')}` : ''}</span></li>`)}</ul>${start.pages.length > PAGES_LISTED ? html`<p class="muted">${start.pages.length - PAGES_LISTED} more: find them by id or hostname.</p>` : ''}`
      }</section>
<section class="card" aria-labelledby="refused-h"><h2 id="refused-h">Latest refused requests</h2>${
        start.refused.length === 0
          ? html`<p class="muted">None recorded: every request of the core was accepted.</p>`
          : html`<ul class="plain">${start.refused.map((r) => html`<li><a href="/explorer/requests/${encodeURIComponent(r.id)}">${r.id}</a> <span class="muted"><time datetime="${r.receivedAt}">${fmt(r.receivedAt)}</time> · ${r.status} ${String(r.problem?.title ?? '')}</span></li>`)}</ul>`
      }</section>
</div>`
    : ''
}`;
}

/** What a step says in the timeline, and the class that gives its marker a colour. */
function stepWords(s: TraceStep): { what: string; rest?: string; kind: string } {
  switch (s.step) {
    case 'rendered':
      return {
        what: s.renderVersion !== undefined ? `rendered as version ${s.renderVersion}` : 'rendered',
        kind: 'ok',
      };
    case 'skipped':
      return { what: `skipped · ${s.detail ?? ''}`, kind: 'warn' };
    case 'applied':
      return { what: 'applied', kind: 'ok' };
    case 'failed':
      return { what: 'failed', kind: 'bad' };
    case 'notified':
      return { what: 'notifications sent', kind: s.error ? 'warn' : 'ok' };
    case 'certificate': {
      // "<hostname>: <action>: <what Cloudflare says>" (certificates/updater.ts toExplorerStep)
      const [host, action, ...rest] = (s.detail ?? '').split(': ');
      return host && action
        ? {
            what: `certificate · ${action}`,
            kind: s.error ? 'bad' : 'cert',
            ...(rest.length ? { rest: rest.join(': ') } : {}),
          }
        : { what: 'certificate', kind: s.error ? 'bad' : 'cert' };
    }
    default:
      return { what: s.step.replace('_', ' '), kind: 'plain' };
  }
}

function stepLine(s: TraceStep, prev: TraceStep | undefined): Html {
  const { what, rest, kind } = stepWords(s);
  const detail = s.step === 'skipped' ? undefined : s.step === 'certificate' ? rest : s.detail;
  return html`<li class="${`s-${kind}`}" data-step="${s.step}"><span class="step">${what}</span> <time datetime="${s.at}">${fmt(s.at)}</time>${prev ? html` <span class="delta">${ms(prev.at, s.at)}</span>` : ''}
${s.renderVersion !== undefined && s.step !== 'rendered' ? html`<br><span class="muted">render version ${s.renderVersion}</span>` : ''}
${detail ? html`<br><span class="muted">${detail}</span>` : ''}
${s.error ? html`<br><span class="bad">${s.error}</span>` : ''}</li>`;
}

export function eventView(trace: EventTrace, requests: RecordedRequest[]): Html {
  const common = trace.steps.filter((s) => s.pageId === undefined);
  const pages = [...new Set(trace.steps.flatMap((s) => (s.pageId ? [s.pageId] : [])))];
  const commonList = common.map((s, i) => stepLine(s, common[i - 1]));
  return html`<p>Type <code>${trace.type}</code>, received <time datetime="${trace.receivedAt}">${fmt(trace.receivedAt)}</time>.
Carried by ${requests.length ? requests.map((r, i) => html`${i ? ', ' : ''}<a href="/explorer/requests/${encodeURIComponent(r.id)}">${r.id}</a>`) : 'no recorded request'}.</p>
<h2>At origin-sync</h2>
<ol class="timeline">${commonList}</ol>
${pages.length === 0 ? html`<p class="muted">Not fanned out to any page.</p>` : ''}
${pages.map((pageId) => {
  const onPage = trace.steps.filter((s) => s.pageId === pageId);
  // The certificate updater works beside delivery, at its own pace: its steps are a timeline
  // of their own per hostname, so that neither reads out of order.
  const steps = onPage.filter((s) => s.step !== 'certificate');
  const certificates = certificateSteps(onPage);
  const last = common[common.length - 1];
  return html`<h2>Page <a href="/explorer/pages/${encodeURIComponent(pageId)}">${pageId}</a> ${badge(outcomeOn(trace, pageId))}</h2>
<ol class="timeline">${steps.map((s, i) => stepLine(s, steps[i - 1] ?? last))}</ol>
${[...certificates].map(
  ([host, list]) => html`<h3>Certificate for ${host}</h3>
<ol class="timeline">${list.map((s, i) => stepLine(s, list[i - 1] ?? onPage[0]))}</ol>`,
)}`;
})}`;
}

/** A page's certificate steps by hostname, in the order the updater took them. */
function certificateSteps(steps: TraceStep[]): Map<string, TraceStep[]> {
  const out = new Map<string, TraceStep[]>();
  for (const s of steps) {
    if (s.step !== 'certificate') continue;
    const host = (s.detail ?? '').split(': ')[0] || 'a hostname';
    out.set(host, [...(out.get(host) ?? []), s]);
  }
  return out;
}

export interface PageFilter {
  type?: string;
  outcome?: EventOutcome;
  since?: string;
  until?: string;
}

export function pageView(opts: {
  pageId: string;
  name: string | null;
  hostnames: string[];
  domains: unknown;
  /** GET /v1/pages/:id/subscriptions (SubscriptionsOverview), or null when unknown. */
  subscriptions?: unknown;
  traces: EventTrace[];
  filter: PageFilter;
  /** How many matching events to list; a link offers more. */
  show: number;
  deadLetters: DeadLetter[];
  actions: OperatorAction[];
  /** The highest render version origin-sync saw published (its `rendered` steps). */
  confirmedVersion: number | null;
  /** What the edge answered just now for this page. */
  edge: StatusAnswer;
  outboxDepth: number;
  /** The pusher's own record of this page's last push (null: none since origin-sync started). */
  push: PagePush | null;
}): Html {
  const { pageId, traces, filter, edge } = opts;
  const liveVersion = 'status' in edge ? edge.status.publishedVersion : opts.confirmedVersion;
  const types = [...new Set(traces.map((t) => t.type))].sort();
  const shown = traces.filter((t) => {
    if (filter.type && t.type !== filter.type) return false;
    if (filter.outcome && outcomeOn(t, pageId) !== filter.outcome) return false;
    if (filter.since && Date.parse(t.receivedAt) < Date.parse(filter.since)) return false;
    if (filter.until && Date.parse(t.receivedAt) >= Date.parse(filter.until)) return false;
    return true;
  });
  const inLive =
    liveVersion === null
      ? []
      : traces.filter((t) =>
          t.steps.some(
            (s) =>
              s.pageId === pageId &&
              s.step === 'rendered' &&
              s.renderVersion !== undefined &&
              s.renderVersion <= liveVersion,
          ),
        );
  const domains = domainRows(opts.domains);
  return html`${opts.name ? '' : html`<p class="muted">Not a live page (deleted, or not known yet).</p>`}
<div class="cards">
<div class="card"><strong>Live at the edge</strong><br>${
    'status' in edge
      ? html`<span class="live-version">${edge.status.publishedVersion === 0 ? 'nothing published yet' : `render version ${edge.status.publishedVersion}`}</span>${edge.status.renderedAt ? html`<br><span class="muted">published <time datetime="${edge.status.renderedAt}">${fmt(edge.status.renderedAt)}</time>${edge.status.pending ? ', newer changes pending' : ''}</span>` : ''}${edge.status.lastError ? html`<br><span class="bad">${edge.status.lastError}</span>` : ''}`
      : html`<span class="bad">the edge did not say: ${edge.error}</span><br><span class="muted">${opts.confirmedVersion === null ? 'no render confirmed yet' : `last confirmed: render version ${opts.confirmedVersion}`}</span>`
  }${inLive.length ? html`<br><span class="muted">contains ${inLive.length} recent event(s)</span>` : ''}</div>
<div class="card"><strong>Outbox</strong><br>${opts.outboxDepth} event(s) waiting</div>
<div class="card"><strong>Last push</strong><br>${pushCard(opts.push)}</div>
</div>
<h2>Hostnames</h2>
${
  opts.hostnames.length === 0
    ? html`<p class="muted">None.</p>`
    : html`<div class="table-wrap" tabindex="0" role="region" aria-label="Hostnames table"><table class="hosts"><thead><tr><th scope="col">Hostname</th><th scope="col">Certificate and validation</th></tr></thead><tbody>
${opts.hostnames.map((h) => html`<tr><td>${h}</td><td>${domains.get(h) ?? html`<span class="muted">${domainsOff(opts.domains)}</span>`}</td></tr>`)}
</tbody></table></div>`
}
${subscriptionsSection(opts.subscriptions)}
<h2>Dead letters</h2>
${
  opts.deadLetters.length === 0
    ? html`<p class="muted">None.</p>`
    : html`<div class="table-wrap" tabindex="0" role="region" aria-label="Dead letters table"><table><thead><tr><th scope="col">Event</th><th scope="col">Since</th><th scope="col">Error</th><th scope="col">Action</th></tr></thead><tbody>
${opts.deadLetters.map(
  (
    d,
  ) => html`<tr><td><a href="/explorer/events/${encodeURIComponent(d.eventId)}">${d.eventId}</a><br><span class="muted">${d.type}, ${d.attempts} attempt(s)</span></td><td><time datetime="${d.at}">${fmt(d.at)}</time></td><td>${d.error}</td>
<td><form method="post" action="/explorer/pages/${encodeURIComponent(pageId)}/dead-letters/${encodeURIComponent(d.eventId)}/retry" class="inline-form"><button type="submit" aria-label="Retry ${d.eventId}">Retry</button></form>
<form method="post" action="/explorer/pages/${encodeURIComponent(pageId)}/dead-letters/${encodeURIComponent(d.eventId)}/discard" class="inline-form"><button type="submit" class="secondary" aria-label="Discard ${d.eventId}">Discard</button></form></td></tr>`,
)}
</tbody></table></div>`
}
${opts.actions.length ? html`<h2>Operator actions</h2>${actionList(opts.actions)}` : ''}
<h2>Events</h2>
<form method="get" class="filter" aria-label="Filter events">
<label for="f-type">Type<select id="f-type" name="type"><option value="">any</option>${types.map((t) => html`<option value="${t}"${filter.type === t ? new Html(' selected') : ''}>${t}</option>`)}</select></label>
<label for="f-outcome">Outcome<select id="f-outcome" name="outcome"><option value="">any</option>${(Object.keys(OUTCOME_TEXT) as EventOutcome[]).map((o) => html`<option value="${o}"${filter.outcome === o ? new Html(' selected') : ''}>${OUTCOME_TEXT[o][0]}</option>`)}</select></label>
<label for="f-since">From (UTC)<input id="f-since" name="since" type="datetime-local" value="${filter.since?.slice(0, 16) ?? ''}"></label>
<label for="f-until">Until (UTC)<input id="f-until" name="until" type="datetime-local" value="${filter.until?.slice(0, 16) ?? ''}"></label>
<button type="submit">Filter</button>
</form>
${
  shown.length === 0
    ? html`<p class="muted">No events match.</p>`
    : html`<div class="table-wrap" tabindex="0" role="region" aria-label="Events table"><table><thead><tr><th scope="col">Event</th><th scope="col">Type</th><th scope="col">Received</th><th scope="col">Outcome</th><th scope="col">Render</th></tr></thead><tbody>
${shown.slice(0, opts.show).map((t) => {
  const rendered = [...t.steps]
    .reverse()
    .find((s) => s.pageId === pageId && s.renderVersion !== undefined);
  return html`<tr><td><a href="/explorer/events/${encodeURIComponent(t.id)}">${t.id}</a></td><td><code>${t.type}</code></td><td><time datetime="${t.receivedAt}">${fmt(t.receivedAt)}</time></td><td>${badge(outcomeOn(t, pageId))}</td><td data-label="render">${rendered?.renderVersion !== undefined ? `v${rendered.renderVersion}` : ''}</td></tr>`;
})}
</tbody></table></div>
<p class="muted">${shown.length > opts.show ? html`The newest ${opts.show} of ${shown.length} matching events. <a href="${`/explorer/pages/${encodeURIComponent(pageId)}${qs({ ...filter, show: Math.min(500, opts.show * 4) })}`}">Show ${Math.min(500, opts.show * 4)}</a>` : `${shown.length} matching event(s).`}</p>`
}`;
}

/** Subscribers by state and the recent notifications, from the worker's overview. */
function subscriptionsSection(overview: unknown): Html {
  const parsed = SubscriptionsOverview.safeParse(overview);
  if (!parsed.success) {
    return html`<h2>Subscriptions</h2><p class="muted">The edge did not say (no subscriptions yet, or it did not answer).</p>`;
  }
  const o = parsed.data;
  const states = ['pending', 'confirmed', 'quarantined', 'unsubscribed'] as const;
  return html`<h2>Subscriptions</h2>
<p class="muted">Every delivery of one notification: <code>GET /v1/pages/${o.pageId}/notifications/&lt;id&gt;</code>.</p>
<p>${states.map((s, i) => html`${i ? ', ' : ''}${o.subscribers[s] ?? 0} ${s}`)}</p>
${
  o.notifications.length === 0
    ? html`<p class="muted">No notifications yet.</p>`
    : html`<div class="table-wrap" tabindex="0" role="region" aria-label="Notifications table"><table><thead><tr><th scope="col">Notification</th><th scope="col">Kind</th><th scope="col">Created</th><th scope="col">Recipients</th><th scope="col">Queued</th><th scope="col">Sent</th><th scope="col">Failed</th></tr></thead><tbody>
${o.notifications.map((n) => html`<tr><td><code>${n.id}</code></td><td><code>${n.kind}</code></td><td><time datetime="${n.createdAt}">${fmt(n.createdAt)}</time></td><td>${n.recipients}</td><td>${n.queued}</td><td>${n.sent}</td><td>${n.failed ? html`<span class="bad">${n.failed}</span>` : '0'}</td></tr>`)}
</tbody></table></div>`
}`;
}

function pushCard(p: PagePush | null): Html {
  if (!p) return html`<span class="muted">none since origin-sync started</span>`;
  const said = p.outcome === 'ok' ? 'ok' : p.outcome === 'refused' ? 'refused' : 'failed';
  return html`<time datetime="${p.at}">${fmt(p.at)}</time> <span class="badge ${p.outcome === 'ok' ? 'ok' : 'bad'}">${said}${p.status ? ` ${p.status}` : ''}</span>
<br><span class="muted">${p.events} event(s), attempt ${p.attempt}${p.renderVersion !== undefined ? `, promised version ${p.renderVersion}` : ''}</span>
${p.error ? html`<br><span class="bad">${p.error}</span>` : ''}
${p.outcome === 'ok' && p.lastError ? html`<br><span class="muted">earlier error (<time datetime="${p.lastFailureAt ?? ''}">${fmt(p.lastFailureAt ?? '')}</time>): ${p.lastError}</span>` : ''}
${p.outcome !== 'ok' ? html`<br><span class="muted">last success: ${p.lastOkAt ? html`<time datetime="${p.lastOkAt}">${fmt(p.lastOkAt)}</time>` : 'none since origin-sync started'}</span>` : ''}`;
}

const Domain = z.object({
  hostname: z.string(),
  state: z.string(),
  hostnameStatus: z.string().nullable().optional(),
  certificateStatus: z.string().nullable().optional(),
  validationRecords: z.array(z.record(z.string(), z.unknown())).optional(),
  verificationErrors: z.array(z.string()).optional(),
  validationErrors: z.array(z.string()).optional(),
  lastError: z.object({ message: z.string() }).passthrough().nullable().optional(),
  nextCheckAt: z.string().nullable().optional(),
});
const PageDomainsShape = z.object({
  certificates: z.string().optional(),
  domains: z.array(z.unknown()),
});

function domainsOff(domains: unknown): string {
  const parsed = PageDomainsShape.safeParse(domains);
  if (!parsed.success) return 'no certificate state (the certificate updater did not answer)';
  return parsed.data.certificates === 'disabled'
    ? 'certificate updater off (no Cloudflare zone and token)'
    : 'no certificate state yet';
}

const STATE_CLASS: Record<string, string> = { active: 'ok', failed: 'bad', blocked: 'bad' };

/** Certificate state and validation records per hostname, from GET /v1/pages/:id/domains. */
function domainRows(domains: unknown): Map<string, Html> {
  const out = new Map<string, Html>();
  const parsed = PageDomainsShape.safeParse(domains);
  if (!parsed.success) return out;
  for (const raw of parsed.data.domains) {
    const d = Domain.safeParse(raw);
    if (!d.success) continue;
    const v = d.data;
    if (v.state === 'disabled') {
      out.set(v.hostname, html`<span class="muted">${domainsOff(domains)}</span>`);
      continue;
    }
    const records = v.validationRecords ?? [];
    const errors = [...(v.verificationErrors ?? []), ...(v.validationErrors ?? [])];
    out.set(
      v.hostname,
      html`<span class="badge ${STATE_CLASS[v.state] ?? 'warn'}">${v.state}</span>
<dl class="facts">
<dt>hostname</dt><dd><code>${v.hostnameStatus ?? '—'}</code></dd>
<dt>certificate</dt><dd><code>${v.certificateStatus ?? '—'}</code></dd>
${v.nextCheckAt ? html`<dt>next check</dt><dd><time datetime="${v.nextCheckAt}">${fmt(v.nextCheckAt)}</time></dd>` : ''}
</dl>
${
  records.length
    ? html`<p class="records-h">Validation records to publish</p><ul class="records">${records.map(
        (r) =>
          html`<li>${Object.entries(r).map(([k, x], i) => html`${i ? ' · ' : ''}<span class="muted">${k}</span> <code>${typeof x === 'string' ? x : JSON.stringify(x)}</code>`)}</li>`,
      )}</ul>`
    : ''
}
${errors.map((e) => html`<p class="bad tight">${e}</p>`)}
${v.lastError ? html`<p class="bad tight">last error: ${v.lastError.message}</p>` : ''}`,
    );
  }
  return out;
}

export function requestsView(requests: RecordedRequest[], outcome: string | undefined): Html {
  const tab = (value: string | undefined, label: string) =>
    html`<li><a href="/explorer/requests${qs({ outcome: value })}"${outcome === value ? new Html(' aria-current="page"') : ''}>${label}</a></li>`;
  return html`<nav aria-label="Which requests"><ul>${tab(undefined, 'All')}${tab('refused', 'Refused')}${tab('accepted', 'Accepted')}</ul></nav>
${
  requests.length === 0
    ? html`<p class="muted">No requests recorded.</p>`
    : html`<div class="table-wrap" tabindex="0" role="region" aria-label="Requests table"><table><thead><tr><th scope="col">Request</th><th scope="col">Received</th><th scope="col">Answer</th><th scope="col">Why</th><th scope="col">Events</th></tr></thead><tbody>
${requests.map(
  (r) =>
    html`<tr><td><a href="/explorer/requests/${encodeURIComponent(r.id)}">${r.id}</a></td><td><time datetime="${r.receivedAt}">${fmt(r.receivedAt)}</time></td><td><span class="badge ${r.outcome === 'accepted' ? 'ok' : 'bad'}">${r.status} ${r.outcome}</span></td><td>${problemSummary(r)}</td><td data-label="events">${(r.eventIds ?? []).length}</td></tr>`,
)}
</tbody></table></div>`
}`;
}

function problemSummary(r: RecordedRequest): Html {
  if (!r.problem) return html``;
  const errors = errorsOf(r);
  return html`${String(r.problem.title ?? '')}${errors.length ? html`<br><span class="muted">${errors.slice(0, 3).map((e, i) => html`${i ? '; ' : ''}${fieldName(e)}`)}${errors.length > 3 ? ' …' : ''}</span>` : ''}`;
}

function fieldName(e: PointedError): string {
  return e.index !== undefined ? `events[${e.index}].${e.path ?? ''}` : (e.path ?? e.pointer);
}

function errorsOf(r: RecordedRequest): PointedError[] {
  const errs = r.problem?.errors;
  if (!Array.isArray(errs)) return [];
  return errs.flatMap((e): PointedError[] => {
    const x = e as Record<string, unknown>;
    if (typeof x.pointer !== 'string' || typeof x.message !== 'string') return [];
    return [
      {
        pointer: x.pointer,
        message: x.message,
        ...(typeof x.path === 'string' ? { path: x.path } : {}),
        ...(typeof x.index === 'number' ? { index: x.index } : {}),
      },
    ];
  });
}

/** Events listed in full up to this many; the rest behind a disclosure (works without script). */
const EVENTS_LISTED = 12;

export function requestView(r: RecordedRequest): Html {
  const errors = errorsOf(r);
  const ids = r.eventIds ?? [];
  const eventLink = (id: string) =>
    html`<li><a href="/explorer/events/${encodeURIComponent(id)}">${id}</a></li>`;
  const refused = r.outcome === 'refused';
  const payload = payloadView(r.body, errors);
  return html`<p><span class="badge ${refused ? 'bad' : 'ok'}">${r.status} ${r.outcome}</span> received <time datetime="${r.receivedAt}">${fmt(r.receivedAt)}</time>${r.remote ? ` from ${r.remote}` : ''}.</p>
${r.problem ? html`<p class="notice"><strong>${String(r.problem.title ?? '')}</strong>${r.problem.detail ? html`: ${String(r.problem.detail)}` : ''}</p>` : ''}
<div class="split">
<section aria-labelledby="facts-h"><h2 id="facts-h">${refused ? 'Errors by field' : 'Events it carried'}</h2>
${
  !refused
    ? ''
    : errors.length === 0
      ? html`<p class="muted">No field errors (the whole request was refused).</p>`
      : html`<ul class="errors">${errors.map((e) => html`<li><a href="#at${encodeURI(anchorFor(r.body, e.pointer))}"><code>${fieldName(e)}</code></a>: ${e.message}</li>`)}</ul>`
}
${refused && ids.length ? html`<h2>Events it carried</h2>` : ''}
${
  ids.length === 0
    ? refused
      ? ''
      : html`<p class="muted">None.</p>`
    : html`<ul class="events">${ids.slice(0, EVENTS_LISTED).map(eventLink)}</ul>${
        ids.length > EVENTS_LISTED
          ? html`<details><summary>${ids.length - EVENTS_LISTED} more of ${ids.length}</summary><ul class="events">${ids.slice(EVENTS_LISTED).map(eventLink)}</ul></details>`
          : ''
      }`
}
<h2>Headers</h2>
<div class="table-wrap" tabindex="0" role="region" aria-label="Headers table"><table class="kv"><tbody>${Object.entries(r.headers).map(([k, v]) => html`<tr><th scope="row"><code>${k}</code></th><td><code>${v}</code></td></tr>`)}</tbody></table></div>
</section>
<section aria-labelledby="body-h"><h2 id="body-h">Body as it arrived${r.bodyTruncated ? ' (first 64 KiB)' : ''}</h2>
${
  // A refused body is what the operator came for; an accepted one is there when asked.
  refused
    ? payload
    : html`<details><summary>Show the body (${new TextEncoder().encode(r.body).length} bytes${r.bodyTruncated ? ', truncated' : ''})</summary>${payload}</details>`
}
</section>
</div>`;
}

function anchorFor(body: string, pointer: string): string {
  try {
    return anchorOf(JSON.parse(body), pointer);
  } catch {
    return pointer;
  }
}

export function systemView(opts: {
  health: Health;
  minutes: MinuteCount[];
  system: SystemMinutes;
  deadLetters: DeadLetter[];
  actions: OperatorAction[];
}): Html {
  const { health, system } = opts;
  const { from, to } = system;
  const n = Math.max(1, Math.round((to - from) / 60_000));
  const accepted = new Array<number>(n).fill(0);
  const refused = new Array<number>(n).fill(0);
  for (const m of opts.minutes) {
    const i = Math.floor((m.minute - from) / 60_000);
    if (i >= 0 && i < n) {
      accepted[i] = m.accepted;
      refused[i] = m.refused;
    }
  }
  const sum = (a: number[]) => a.reduce((x, y) => x + y, 0);
  const max = (a: number[]) => a.reduce((x, y) => Math.max(x, y), 0);
  const x: [string, string] = [`${n} min ago`, 'now'];
  const push = health.push;
  const oldestRender = health.renders.oldestAgeS;
  return html`<p>Status <span class="badge ${health.status === 'ok' ? 'ok' : 'bad'}">${health.status}</span>, up ${Math.round(health.uptimeS / 60)} min. Each chart is the last ${n} minutes, one bar a minute.</p>
<div class="cards charts">
<div class="card">${barChart(
    'Core requests per minute',
    `${sum(accepted)} accepted, ${sum(refused)} refused in the last ${n} minutes`,
    [
      { label: 'accepted', className: 'accepted', values: accepted },
      { label: 'refused', className: 'refused', values: refused },
    ],
    x,
  )}</div>
<div class="card">${barChart(
    'Pushes to the edge per minute',
    `${sum(system.pushed)} batches pushed, ${sum(system.pushFailed)} failed attempts; breaker ${push.breaker}`,
    [
      { label: 'pushed', className: 'accepted', values: system.pushed },
      { label: 'failed', className: 'refused', values: system.pushFailed },
    ],
    x,
  )}</div>
<div class="card">${barChart(
    'Outbox depth',
    `${health.outbox.depth} event(s) waiting now on ${health.outbox.pages} page(s), oldest ${health.outbox.oldestAgeS === null ? 'none' : `${health.outbox.oldestAgeS} s`}; at most ${max(system.outboxDepth)} this hour`,
    [{ label: 'depth', className: 'level', values: system.outboxDepth }],
    x,
  )}</div>
<div class="card">${barChart(
    'Oldest unconfirmed render',
    `${oldestRender === null ? 'none waiting now' : `${oldestRender} s now (${health.renders.waiting} event(s) on ${health.renders.pages} page(s))`}; at most ${max(system.oldestUnconfirmedS)} s this hour`,
    [{ label: 'age in seconds', className: 'level', values: system.oldestUnconfirmedS }],
    x,
  )}</div>
</div>
<h2>Push health</h2>
<table class="facts-table"><tbody>
<tr><th scope="row">Breaker</th><td><span class="badge ${push.breaker === 'closed' ? 'ok' : 'bad'}">${push.breaker}</span>${push.consecutiveFailures ? ` after ${push.consecutiveFailures} failure(s) in a row` : ''}</td></tr>
<tr><th scope="row">Pages pushed at once</th><td>${push.inFlight} in flight, up to ${push.concurrency}</td></tr>
<tr><th scope="row">Pages backing off</th><td>${push.pagesBackingOff}</td></tr>
<tr><th scope="row">Since start</th><td>${push.batchesPushed} batches, ${push.eventsPushed} events pushed; ${push.failedAttempts} failed attempts</td></tr>
<tr><th scope="row">Last success</th><td>${push.lastSuccessAt ? html`<time datetime="${push.lastSuccessAt}">${fmt(push.lastSuccessAt)}</time>` : 'none yet'}</td></tr>
<tr><th scope="row">Last failure</th><td>${push.lastFailureAt ? html`<time datetime="${push.lastFailureAt}">${fmt(push.lastFailureAt)}</time>${push.lastError ? html`<br><span class="bad">${push.lastError}</span>` : ''}` : 'none'}</td></tr>
<tr><th scope="row">Renders awaited</th><td>${health.renders.waiting} event(s) on ${health.renders.pages} page(s); ${health.renders.checks} status checks, ${health.renders.failedChecks} failed${health.renders.lastError ? html`<br><span class="muted">last: ${health.renders.lastError}</span>` : ''}</td></tr>
</tbody></table>
<h2>Dead letters</h2>
${
  opts.deadLetters.length === 0
    ? html`<p class="muted">None.</p>`
    : html`<ul>${opts.deadLetters.map((d) => html`<li><a href="/explorer/pages/${encodeURIComponent(d.pageId)}">${d.pageId}</a>: <a href="/explorer/events/${encodeURIComponent(d.eventId)}">${d.eventId}</a> — ${d.error}</li>`)}</ul>`
}
<h2>Operator actions</h2>
${opts.actions.length === 0 ? html`<p class="muted">None recorded.</p>` : actionList(opts.actions, true)}`;
}

export function actionList(actions: OperatorAction[], withPage = false): Html {
  return html`<ul class="actions">${actions.map((a) => html`<li><time datetime="${a.at}">${fmt(a.at)}</time>: ${a.who} — ${a.action} ${a.eventId ?? ''}${withPage && a.pageId ? html` on <a href="/explorer/pages/${encodeURIComponent(a.pageId)}">${a.pageId}</a>` : ''} (${a.result})</li>`)}</ul>`;
}
