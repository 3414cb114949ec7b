// Lighthouse over the demo page served by the real worker, in Debian's Chromium, offline.
// Fetched by `npm exec` at a pinned version rather than kept as a devDependency: only the
// bench needs it, it brings ~200 packages, and one of them depends on another's `latest` tag,
// which would make the lockfile change under CI's `npm install` whenever that tag moves.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { CHROMIUM } from '../scripts/lib/browser.ts';
import { DEMO_URL, type DemoWorker } from './lib/demo-worker.ts';
import { run, which } from './lib/machine.ts';
import { type BenchRow, pendingRow } from './lib/rows.ts';

const ROOT = resolve(import.meta.dirname, '..');
const AREA = 'lighthouse';
const LIGHTHOUSE = 'lighthouse@12.8.2';
const CATEGORIES = ['performance', 'accessibility', 'best-practices', 'seo'] as const;

const CHROME_FLAGS = [
  '--headless=new',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-default-apps',
  '--disable-sync',
  '--no-first-run',
  '--no-default-browser-check',
  '--metrics-recording-only',
];

interface LighthouseReport {
  /** Set when Chromium did not record a usable trace (e.g. `NO_NAVSTART`): scores are null. */
  runtimeError?: { code: string; message: string };
  categories: Record<string, { score: number | null; auditRefs: { id: string; weight: number }[] }>;
  audits: Record<string, { score: number | null; title: string; displayValue?: string }>;
}

/** What keeps a category below 100: its weighted audits that did not pass. */
function shortfall(report: LighthouseReport, category: string): string {
  const failing = report.categories[category]!.auditRefs.flatMap((ref) => {
    const audit = report.audits[ref.id];
    if (!audit || ref.weight === 0 || audit.score === null || audit.score >= 1) return [];
    return [`${audit.title}${audit.displayValue ? ` (${audit.displayValue})` : ''}`];
  });
  return failing.join('; ');
}

const ATTEMPTS = 2;

/** One Lighthouse run: its report, or why it gave none (a crash, or a runtime error in the report). */
async function audit(
  url: string,
  out: string,
): Promise<{ report: LighthouseReport } | { failure: string }> {
  try {
    await run(
      'npm',
      [
        'exec',
        '--yes',
        `--package=${LIGHTHOUSE}`,
        '--',
        'lighthouse',
        url,
        '--quiet',
        '--output=json',
        `--output-path=${out}`,
        `--only-categories=${CATEGORIES.join(',')}`,
        `--chrome-flags=${CHROME_FLAGS.join(' ')}`,
        '--max-wait-for-load=20000',
      ],
      {
        cwd: ROOT,
        timeout: 240_000,
        env: { ...process.env, CHROME_PATH: CHROMIUM },
      },
    );
    const report = JSON.parse(await readFile(out, 'utf8')) as LighthouseReport;
    if (report.runtimeError)
      return { failure: `${report.runtimeError.code}: ${report.runtimeError.message}` };
    const unscored = CATEGORIES.filter((c) => report.categories[c]?.score == null);
    if (unscored.length > 0) return { failure: `no score for ${unscored.join(', ')}` };
    return { report };
  } catch (e) {
    const err = e as Error & { stderr?: string };
    return { failure: (err.stderr || err.message).trim().split('\n').slice(-3).join(' ') };
  }
}

export async function lighthouse(demo: DemoWorker): Promise<BenchRow[]> {
  if (
    !which('chromium') &&
    !(await readFile(CHROMIUM).then(
      () => true,
      () => false,
    ))
  ) {
    return [pendingRow(AREA, 'scores', `${CHROMIUM} is missing (npm test installs it)`)];
  }
  const url = `${DEMO_URL.replace(/\/$/, '')}:${demo.worker.port}/`;
  const dir = await mkdtemp(join(tmpdir(), 'esp-lighthouse-'));
  const out = join(dir, 'report.json');
  try {
    // Chromium now and then fails to record a trace (`NO_NAVSTART`); one retry clears that,
    // and a second failure is reported in the table rather than as a score of 0.
    let report: LighthouseReport | undefined;
    let failure = '';
    for (let attempt = 1; attempt <= ATTEMPTS && !report; attempt++) {
      const outcome = await audit(url, out);
      if ('report' in outcome) report = outcome.report;
      else failure = `attempt ${attempt}: ${outcome.failure}`;
    }
    if (!report) {
      return [
        pendingRow(
          AREA,
          'scores',
          `Lighthouse could not run after ${ATTEMPTS} attempts (${failure})`,
        ),
      ];
    }
    const scored = report;
    return CATEGORIES.map((c) => {
      const score = Math.round((scored.categories[c]?.score ?? 0) * 100);
      const why = score < 100 ? `below 100 because: ${shortfall(scored, c)}` : '';
      const how =
        c === 'performance'
          ? `${LIGHTHOUSE}, default mobile emulation with simulated throttling, Debian Chromium, no network beyond loopback. `
          : '';
      return {
        area: AREA,
        name: c,
        value: score,
        unit: '',
        target: '100',
        met: score === 100,
        ...(how || why ? { note: `${how}${why}` } : {}),
      };
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
