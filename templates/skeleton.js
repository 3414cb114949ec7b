// Completes the skeleton page (sent while a page's render was not ready) from the page's
// Statuspage-style JSON (/api/v2/summary.json). Customer text only ever goes into textContent.
(() => {
  const root = document.getElementById('sk-root');
  if (!root) return;
  const summaryPath = root.getAttribute('data-summary') || '/api/v2/summary.json';

  const SERVICE_LABEL = {
    operational: 'Operational',
    degraded_performance: 'Degraded performance',
    partial_outage: 'Partial outage',
    major_outage: 'Major outage',
    under_maintenance: 'Under maintenance',
  };
  const INCIDENT_LABEL = {
    investigating: 'Investigating',
    identified: 'Identified',
    monitoring: 'Monitoring',
    resolved: 'Resolved',
    postmortem: 'Postmortem',
    scheduled: 'Scheduled',
    in_progress: 'In progress',
    verifying: 'Verifying',
    completed: 'Completed',
  };
  const INDICATORS = ['none', 'minor', 'major', 'critical'];

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function section(title, children) {
    const s = el('section');
    s.appendChild(el('h2', '', title));
    for (const child of children) s.appendChild(child);
    return s;
  }

  function card(item, className) {
    const article = el('article', className);
    const h3 = el('h3');
    if (item.id && className.indexOf('m-card') === -1) {
      const a = el('a', '', item.name);
      a.href = `/incidents/${encodeURIComponent(item.id)}`;
      h3.appendChild(a);
    } else {
      h3.appendChild(document.createTextNode(String(item.name)));
    }
    h3.appendChild(el('span', 'tag', INCIDENT_LABEL[item.status] || item.status));
    article.appendChild(h3);
    const latest = Array.isArray(item.incident_updates) ? item.incident_updates[0] : null;
    if (latest?.body) article.appendChild(el('p', '', latest.body));
    return article;
  }

  function render(summary) {
    const page = summary.page || {};
    const status = summary.status || {};
    if (page.name) {
      document.title = `${page.name} status`;
      document.getElementById('sk-name').textContent = page.name;
    }
    const banner = document.getElementById('sk-banner');
    const indicator = INDICATORS.indexOf(status.indicator) >= 0 ? status.indicator : 'none';
    banner.className = `banner b-${indicator}`;
    banner.textContent = status.description || 'Status unknown';

    const note = document.getElementById('sk-note');
    note.textContent = 'Showing the current status. ';
    const reload = el('a', '', 'Reload for the full page');
    reload.href = location.pathname;
    note.appendChild(reload);

    const parts = [];
    const incidents = Array.isArray(summary.incidents) ? summary.incidents : [];
    if (incidents.length) {
      parts.push(
        section(
          'Active incidents',
          incidents.map((i) => card(i, `card i-${i.impact}`)),
        ),
      );
    }
    const maintenances = Array.isArray(summary.scheduled_maintenances)
      ? summary.scheduled_maintenances
      : [];
    if (maintenances.length) {
      parts.push(
        section(
          'Maintenance',
          maintenances.map((m) => card(m, 'card m-card')),
        ),
      );
    }
    const components = Array.isArray(summary.components) ? summary.components : [];
    const list = el('ul', 'svcs');
    for (const c of components) {
      if (c.group) continue;
      const li = el('li', 'svc');
      const head = el('div', 'svc-head');
      head.appendChild(el('span', 'svc-name', c.name));
      head.appendChild(el('span', `st st-${c.status}`, SERVICE_LABEL[c.status] || c.status));
      li.appendChild(head);
      list.appendChild(li);
    }
    parts.push(section('Services', [list]));
    for (const part of parts) root.appendChild(part);
    root.setAttribute('data-complete', 'true');
  }

  function failed() {
    const note = document.getElementById('sk-note');
    note.textContent = 'The current status could not be loaded. ';
    const reload = el('a', '', 'Try again');
    reload.href = location.pathname;
    note.appendChild(reload);
  }

  function load(attempt) {
    fetch(summaryPath, { credentials: 'same-origin', headers: { Accept: 'application/json' } })
      .then((res) => {
        if (!res.ok) throw new Error(`HTTP ${res.status}`);
        return res.json();
      })
      .then(render)
      .catch(() => {
        if (attempt < 5) setTimeout(() => load(attempt + 1), 400 * (attempt + 1));
        else failed();
      });
  }

  load(0);
})();
