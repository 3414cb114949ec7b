// Small inline SVG charts, drawn on the server: no chart library, no script in the browser.
// Each has a title and a text summary for screen readers; colours come from the stylesheet.
import { type Html, html } from './html.ts';

export interface Series {
  label: string;
  /** The CSS class giving its colour (stroke/fill in explorer.css). */
  className: string;
  values: readonly number[];
}

export function barChart(
  title: string,
  summary: string,
  series: readonly Series[],
  xLabels: [string, string],
): Html {
  const width = 320;
  const height = 96;
  const n = Math.max(1, ...series.map((s) => s.values.length));
  const max = Math.max(
    1,
    ...series.flatMap((s) =>
      s.values.map((v, i) => v + (series[0] === s ? 0 : (series[0]?.values[i] ?? 0))),
    ),
  );
  const slot = width / n;
  const barW = Math.max(1, slot - 1);
  const bars: Html[] = [];
  for (let i = 0; i < n; i++) {
    let base = 0;
    for (const s of series) {
      const v = s.values[i] ?? 0;
      if (v <= 0) continue;
      const h = (v / max) * (height - 4);
      const y = height - base - h;
      bars.push(
        html`<rect class="${s.className}" x="${(i * slot).toFixed(1)}" y="${y.toFixed(1)}" width="${barW.toFixed(1)}" height="${h.toFixed(1)}"></rect>`,
      );
      base += h;
    }
  }
  const peak = Math.max(
    0,
    ...Array.from({ length: n }, (_, i) => series.reduce((t, s) => t + (s.values[i] ?? 0), 0)),
  );
  return html`<figure class="chart">
<figcaption><strong>${title}</strong><br>${summary}</figcaption>
<div class="plot">
<span class="peak" aria-hidden="true">${peak === 0 ? '' : `peak ${peak}`}</span>
<svg viewBox="0 0 ${width} ${height}" width="100%" height="${height}" role="img" aria-label="${`${title}: ${summary}`}" preserveAspectRatio="none">
<line class="axis" x1="0" y1="${height - 0.5}" x2="${width}" y2="${height - 0.5}"></line>
${bars}
</svg>
${peak === 0 ? html`<span class="empty" aria-hidden="true">nothing in this hour</span>` : ''}
</div>
<div class="axis-labels" aria-hidden="true"><span>${xLabels[0]}</span><span>${xLabels[1]}</span></div>
${series.length > 1 ? html`<div class="legend" aria-hidden="true">${series.map((s) => html`<span class="key ${s.className}-key">${s.label}</span> `)}</div>` : ''}
</figure>`;
}
