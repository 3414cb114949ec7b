// Mustache templates (bundled as text) filled with the views of view-model.ts.
import Mustache from 'mustache';
import foot from '../../templates/foot.mustache';
import head from '../../templates/head.mustache';
import historyPage from '../../templates/history-page.mustache';
import incidentCard from '../../templates/incident-card.mustache';
import incidentPage from '../../templates/incident-page.mustache';
import maintenanceCard from '../../templates/maintenance-card.mustache';
import messagePage from '../../templates/message-page.mustache';
import pageCss from '../../templates/page.css';
import statusPage from '../../templates/status-page.mustache';
import type { historyPageView, incidentPageView, statusPageView } from './view-model.ts';

const partials = { head, foot, incident: incidentCard, maintenance: maintenanceCard };

/** The stylesheet as sent: the source stays readable (comments, layout), visitors get neither. */
export const PAGE_CSS = pageCss
  .replace(/\/\*[\s\S]*?\*\//g, '')
  .replace(/\s*\n\s*/g, '')
  .replace(/\s*([{};,>])\s*/g, '$1');

export function renderStatusPage(view: ReturnType<typeof statusPageView>, style: string): string {
  return Mustache.render(statusPage, { ...view, style }, partials);
}

export function renderIncidentPage(
  view: ReturnType<typeof incidentPageView>,
  style: string,
): string {
  return Mustache.render(incidentPage, { ...view, style }, partials);
}

export function renderHistoryPage(view: ReturnType<typeof historyPageView>, style: string): string {
  return Mustache.render(historyPage, { ...view, style }, partials);
}

export interface MessagePage {
  title: string;
  heading: string;
  message: string;
}

/** 404 / 401 / 403 pages: generic on purpose, they must not tell anything about a page. */
export function renderMessagePage(page: MessagePage, style: string): string {
  return Mustache.render(messagePage, { ...page, style });
}
