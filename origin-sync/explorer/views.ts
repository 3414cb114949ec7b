// The explorer's pages as HTML (pure: data in, markup out). Every page names its JSON.
import { SubscriptionsOverview } from '../../worker/sync/deliveries-contract.ts';
import type { Health } from '../service.ts';
import type { MinuteCount, OperatorAction, RecordedRequest } from '../store/requests.ts';
import type { DeadLetter } from '../store/store.ts';
import type { EventTrace, TraceStep } from '../store/trace.ts';
import { barChart, gauge } from './charts.ts';
import { Html, html, qs } from './html.ts';
import { anchorOf, type PointedError, payloadView } from './payload-view.ts';

export type Nav = 'find' | 'requests' | 'system' | 'none';

export function layout(opts: {
  title: string;
  nav: Nav;
  body: Html;
  json?: string;
  signedIn: boolean;
}): string {
  const link = (href: string, label: string, key: Nav) =>
    html`<li><a href="${href}"${opts.nav === key ? new Html(' aria-current="page"') : ''}>${label}</a></li>`;
  return `<!doctype html>${html`<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>${opts.title} · Event explorer</title>
<link rel="stylesheet" href="/explorer/explorer.css">
${opts.json ? html`<link rel="alternate" type="application/json" href="${opts.json}">` : ''}
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
${opts.json ? html`<p class="json-link"><a href="${opts.json}">This page as JSON</a></p>` : ''}
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

export function findView(q: string, results: Html | null): Html {
  return html`<form method="get" action="/explorer/find" class="find" role="search">
<label for="q">Event id, page id, hostname or request id<input id="q" name="q" value="${q}" required size="40"></label>
<button type="submit">Find</button>
</form>
${results ?? html`<p class="muted">Or see the <a href="/explorer/requests?outcome=refused">refused requests</a>, <a href="/explorer/requests">all recent requests</a> or <a href="/explorer/system">the whole system</a>.</p>`}`;
}

function stepLine(s: TraceStep, prev: TraceStep | undefined): Html {
  const what =
    s.step === 'rendered' && s.renderVersion !== undefined
      ? `rendered as version ${s.renderVersion}`
      : s.step === 'skipped'
        ? `skipped · ${s.detail ?? ''}`
        : s.step.replace('_', ' ');
  return html`<li><span class="step">${what}</span> <time datetime="${s.at}">${fmt(s.at)}</time>${prev ? html` <span class="delta">${ms(prev.at, s.at)}</span>` : ''}
${s.renderVersion !== undefined && s.step !== 'rendered' ? html`<br><span class="muted">render version ${s.renderVersion}</span>` : ''}
${s.detail && s.step !== 'skipped' ? html`<br><span class="muted">${s.detail}</span>` : ''}
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
  const steps = trace.steps.filter((s) => s.pageId === pageId);
  const last = common[common.length - 1];
  return html`<h2>Page <a href="/explorer/pages/${encodeURIComponent(pageId)}">${pageId}</a> ${badge(outcomeOn(trace, pageId))}</h2>
<ol class="timeline">${steps.map((s, i) => stepLine(s, steps[i - 1] ?? last))}</ol>`;
})}`;
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
  deadLetters: DeadLetter[];
  actions: OperatorAction[];
  liveVersion: number | null;
  outboxDepth: number;
  push: { lastOkAt?: string | null; lastError?: string | null } | null;
}): Html {
  const { pageId, traces, filter } = opts;
  const types = [...new Set(traces.map((t) => t.type))].sort();
  const shown = traces.filter((t) => {
    if (filter.type && t.type !== filter.type) return false;
    if (filter.outcome && outcomeOn(t, pageId) !== filter.outcome) return false;
    if (filter.since && Date.parse(t.receivedAt) < Date.parse(filter.since)) return false;
    if (filter.until && Date.parse(t.receivedAt) >= Date.parse(filter.until)) return false;
    return true;
  });
  const inLive =
    opts.liveVersion === null
      ? []
      : traces.filter((t) =>
          t.steps.some(
            (s) =>
              s.pageId === pageId &&
              s.step === 'rendered' &&
              s.renderVersion !== undefined &&
              s.renderVersion <= (opts.liveVersion ?? 0),
          ),
        );
  const domains = domainRows(opts.domains);
  return html`<p>${opts.name ? html`<strong>${opts.name}</strong>. ` : html`<span class="muted">Not a live page (deleted, or not known yet).</span> `}</p>
<div class="cards">
<div class="card"><strong>Live at the edge</strong><br>${opts.liveVersion === null ? 'no confirmed render yet' : `render version ${opts.liveVersion}`}${inLive.length ? html`<br><span class="muted">contains ${inLive.length} recent event(s)</span>` : ''}</div>
<div class="card"><strong>Outbox</strong><br>${opts.outboxDepth} event(s) waiting</div>
<div class="card"><strong>Push</strong><br>${opts.push?.lastOkAt ? html`last push <time datetime="${opts.push.lastOkAt}">${fmt(opts.push.lastOkAt)}</time>` : 'no push recorded'}${opts.push?.lastError ? html`<br><span class="bad">last error: ${opts.push.lastError}</span>` : ''}</div>
</div>
<h2>Hostnames</h2>
${
  opts.hostnames.length === 0
    ? html`<p class="muted">None.</p>`
    : html`<div class="table-wrap" tabindex="0" role="region" aria-label="Hostnames table"><table><thead><tr><th scope="col">Hostname</th><th scope="col">Certificate and validation</th></tr></thead><tbody>
${opts.hostnames.map((h) => html`<tr><td>${h}</td><td>${domains.get(h) ?? html`<span class="muted">no certificate state</span>`}</td></tr>`)}
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
${
  opts.actions.length
    ? html`<h2>Operator actions</h2><ul>${opts.actions.map((a) => html`<li><time datetime="${a.at}">${fmt(a.at)}</time>: ${a.who} — ${a.action} ${a.eventId ?? ''} (${a.result})</li>`)}</ul>`
    : ''
}
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
${shown.map((t) => {
  const rendered = [...t.steps]
    .reverse()
    .find((s) => s.pageId === pageId && s.renderVersion !== undefined);
  return html`<tr><td><a href="/explorer/events/${encodeURIComponent(t.id)}">${t.id}</a></td><td><code>${t.type}</code></td><td><time datetime="${t.receivedAt}">${fmt(t.receivedAt)}</time></td><td>${badge(outcomeOn(t, pageId))}</td><td>${rendered?.renderVersion !== undefined ? `v${rendered.renderVersion}` : ''}</td></tr>`;
})}
</tbody></table></div>`
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

/** Certificate state per hostname from GET /v1/pages/:id/domains, shown field by field. */
function domainRows(domains: unknown): Map<string, Html> {
  const out = new Map<string, Html>();
  const list = (domains as { domains?: unknown } | null)?.domains;
  if (!Array.isArray(list)) return out;
  for (const d of list) {
    if (d === null || typeof d !== 'object') continue;
    const entry = d as Record<string, unknown>;
    const host = typeof entry.hostname === 'string' ? entry.hostname : undefined;
    if (!host) continue;
    const fields = Object.entries(entry).filter(([k]) => k !== 'hostname');
    out.set(
      host,
      html`<dl class="facts">${fields.map(([k, v]) => html`<dt>${k}</dt><dd><code>${typeof v === 'string' ? v : JSON.stringify(v)}</code></dd>`)}</dl>`,
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
    html`<tr><td><a href="/explorer/requests/${encodeURIComponent(r.id)}">${r.id}</a></td><td><time datetime="${r.receivedAt}">${fmt(r.receivedAt)}</time></td><td><span class="badge ${r.outcome === 'accepted' ? 'ok' : 'bad'}">${r.status} ${r.outcome}</span></td><td>${problemSummary(r)}</td><td>${(r.eventIds ?? []).length}</td></tr>`,
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

export function requestView(r: RecordedRequest): Html {
  const errors = errorsOf(r);
  return html`<p><span class="badge ${r.outcome === 'accepted' ? 'ok' : 'bad'}">${r.status} ${r.outcome}</span> received <time datetime="${r.receivedAt}">${fmt(r.receivedAt)}</time>${r.remote ? ` from ${r.remote}` : ''}.</p>
${r.problem ? html`<p class="notice"><strong>${String(r.problem.title ?? '')}</strong>${r.problem.detail ? html`: ${String(r.problem.detail)}` : ''}</p>` : ''}
<div class="split">
<section aria-labelledby="errors-h"><h2 id="errors-h">Errors by field</h2>
${
  errors.length === 0
    ? html`<p class="muted">${r.outcome === 'accepted' ? 'None: the batch was accepted.' : 'No field errors (the whole request was refused).'}</p>`
    : html`<ul class="errors">${errors.map((e) => html`<li><a href="#at${encodeURI(anchorFor(r.body, e.pointer))}"><code>${fieldName(e)}</code></a>: ${e.message}</li>`)}</ul>`
}
${
  (r.eventIds ?? []).length
    ? html`<h2>Events it carried</h2><ul>${(r.eventIds ?? []).map((id) => html`<li><a href="/explorer/events/${encodeURIComponent(id)}">${id}</a></li>`)}</ul>`
    : ''
}
<h2>Headers</h2>
<div class="table-wrap" tabindex="0" role="region" aria-label="Headers table"><table class="kv"><tbody>${Object.entries(r.headers).map(([k, v]) => html`<tr><th scope="row"><code>${k}</code></th><td><code>${v}</code></td></tr>`)}</tbody></table></div>
</section>
<section aria-labelledby="body-h"><h2 id="body-h">Body as it arrived${r.bodyTruncated ? ' (first 64 KiB)' : ''}</h2>
${payloadView(r.body, errors)}
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
  from: number;
  to: number;
  deadLetters: DeadLetter[];
}): Html {
  const { health } = opts;
  const n = Math.max(1, Math.round((opts.to - opts.from) / 60_000));
  const accepted = new Array<number>(n).fill(0);
  const refused = new Array<number>(n).fill(0);
  for (const m of opts.minutes) {
    const i = Math.floor((m.minute - opts.from) / 60_000);
    if (i >= 0 && i < n) {
      accepted[i] = m.accepted;
      refused[i] = m.refused;
    }
  }
  const sum = (a: number[]) => a.reduce((x, y) => x + y, 0);
  const push = health.push as unknown as Record<string, unknown>;
  return html`<p>Status <span class="badge ${health.status === 'ok' ? 'ok' : 'bad'}">${health.status}</span>, up ${Math.round(health.uptimeS / 60)} min.</p>
<div class="cards">
<div class="card">${barChart(
    'Core requests per minute',
    `${sum(accepted)} accepted, ${sum(refused)} refused in the last ${n} minutes`,
    [
      { label: 'accepted', className: 'accepted', values: accepted },
      { label: 'refused', className: 'refused', values: refused },
    ],
    [`${n} min ago`, 'now'],
  )}</div>
<div class="card">${gauge('Outbox depth', health.outbox.depth, Math.max(100, health.outbox.depth), `event(s) on ${health.outbox.pages} page(s)`, 'fill')}
<p class="muted">Oldest waiting: ${health.outbox.oldestAgeS === null ? 'none' : `${health.outbox.oldestAgeS} s`}</p></div>

<div class="card">${gauge('Oldest unconfirmed render', health.renders.oldestAgeS ?? 0, Math.max(60, health.renders.oldestAgeS ?? 0), `s (${health.renders.waiting} event(s) waiting on ${health.renders.pages} page(s))`, 'fill')}</div>
</div>
<h2>Push health</h2><dl class="facts push">${Object.entries(push).map(([k, v]) => html`<dt>${k}</dt><dd><code>${typeof v === 'string' ? v : JSON.stringify(v)}</code></dd>`)}</dl>
<h2>Dead letters</h2>
${
  opts.deadLetters.length === 0
    ? html`<p class="muted">None.</p>`
    : html`<ul>${opts.deadLetters.map((d) => html`<li><a href="/explorer/pages/${encodeURIComponent(d.pageId)}">${d.pageId}</a>: <a href="/explorer/events/${encodeURIComponent(d.eventId)}">${d.eventId}</a> — ${d.error}</li>`)}</ul>`
}`;
}
