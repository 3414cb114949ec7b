// The README's map is how a newcomer finds their way in one hop, so it must stay true: every
// folder it names exists, and every folder of the code, tests, scripts, benchmarks, templates and
// docs is named. A folder added, moved or removed without its line fails here. The README and the
// docs also link nothing outside the repository: a clone has to explain itself.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');

/** The backticked folder paths (ending in `/`) of the README's "## Map" section. */
function mappedFolders(readme: string): string[] {
  const start = readme.indexOf('\n## Map\n');
  if (start < 0) return [];
  const next = readme.indexOf('\n## ', start + 1);
  const section = readme.slice(start, next < 0 ? undefined : next);
  const rows = section.split('\n').filter((line) => line.startsWith('| `'));
  return rows.map((row) => /^\| `([^`]+\/)`/.exec(row)?.[1] ?? row);
}

/** Folders git would track: not ignored, not hidden (except `.ci`), no dependencies. */
function ignoredTopLevel(): Set<string> {
  const lines = readFileSync(join(ROOT, '.gitignore'), 'utf8').split('\n');
  return new Set(lines.map((l) => l.trim().replace(/\/$/, '')).filter(Boolean));
}

function sourceFolders(): string[] {
  const ignored = ignoredTopLevel();
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      if (name.startsWith('.') || name === 'node_modules') continue;
      const full = join(dir, name);
      if (!statSync(full).isDirectory()) continue;
      out.push(`${relative(ROOT, full)}/`);
      walk(full);
    }
  };
  for (const name of readdirSync(ROOT)) {
    const full = join(ROOT, name);
    if (!statSync(full).isDirectory() || ignored.has(name) || name === 'node_modules') continue;
    if (name.startsWith('.') && name !== '.ci') continue;
    out.push(`${name}/`);
    if (!name.startsWith('.')) walk(full);
  }
  return out.sort();
}

describe('the README map', () => {
  const mapped = mappedFolders(README);

  it('is there, one row per folder', () => {
    expect(mapped.length).toBeGreaterThan(20);
    for (const row of mapped) expect(row, 'a map row names one folder, ending in /').toMatch(/\/$/);
    expect(new Set(mapped).size).toBe(mapped.length);
  });

  it('names only folders that exist', () => {
    const missing = mapped.filter(
      (f) => !existsSync(join(ROOT, f)) || !statSync(join(ROOT, f)).isDirectory(),
    );
    expect(missing, 'named in the README map but not in the repository').toEqual([]);
  });

  it('names every folder of the repository', () => {
    const named = new Set(mapped);
    const unnamed = sourceFolders().filter((f) => !named.has(f));
    expect(unnamed, 'in the repository but not in the README map').toEqual([]);
  });

  it('says where a request and an event enter, in files that exist', () => {
    for (const file of ['worker/index.ts', 'worker/routes/visitor.ts', 'origin-sync/http/app.ts']) {
      expect(README).toContain(`\`${file}\``);
      expect(existsSync(join(ROOT, file)), file).toBe(true);
    }
  });
});

describe('the repository explains itself', () => {
  const documents = [
    'README.md',
    ...readdirSync(join(ROOT, 'docs'))
      .filter((n) => n.endsWith('.md'))
      .map((n) => `docs/${n}`),
  ];

  it('links nothing outside the repository and every relative link resolves', () => {
    for (const doc of documents) {
      const text = readFileSync(join(ROOT, doc), 'utf8');
      expect(text, `${doc} points outside the repository`).not.toMatch(/\.\.\/shared\b/);
      for (const [, target] of text.matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)) {
        if (!target || /^[a-z]+:/.test(target)) continue;
        const file = resolve(join(ROOT, doc, '..'), target);
        expect(file.startsWith(ROOT), `${doc} links ${target}, outside the repository`).toBe(true);
        expect(existsSync(file), `${doc} links ${target}, which does not exist`).toBe(true);
      }
    }
  });

  it('cites no document a clone does not have, in any source file', () => {
    // Spelt in pieces so that this file does not match itself.
    const outside = new RegExp(
      ['\\.\\./shared', 'CONTRACT\\.md', 'DESIGN\\.md', 'STYLE\\.md'].join('|'),
    );
    const citing: string[] = [];
    const walk = (dir: string) => {
      for (const name of readdirSync(join(ROOT, dir))) {
        const path = `${dir}/${name}`;
        if (statSync(join(ROOT, path)).isDirectory()) walk(path);
        else if (outside.test(readFileSync(join(ROOT, path), 'utf8'))) citing.push(path);
      }
    };
    for (const dir of ['worker', 'origin-sync', 'scripts', 'test', 'bench', 'templates', '.ci']) {
      walk(dir);
    }
    expect(citing).toEqual([]);
  });

  it('has the architecture, the contract and the field walk-through', () => {
    for (const doc of ['docs/architecture.md', 'docs/contract.md', 'docs/adding-a-field.md']) {
      expect(documents).toContain(doc);
    }
  });
});
