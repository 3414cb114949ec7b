// Every document's ETag includes the renderer's build id (render/fingerprint.ts): a template
// the build id leaves out could change a page's bytes under its old tag.
import { readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { expect, it } from 'vitest';
import { BUILD_PARTS } from '../../worker/render/fingerprint.ts';

const TEMPLATES = resolve(import.meta.dirname, '../../templates');

it('hashes every template that renders a document, and the stylesheet', () => {
  const inBuild = new Set(Object.values(BUILD_PARTS.templates));
  const files = readdirSync(TEMPLATES).filter((f) => f.endsWith('.mustache'));
  // Not documents: the skeleton page is sent uncached when there is none yet; the subscription
  // pages are rendered per request (`private, no-store`) and emails per delivery, never into KV.
  const notDocuments = new Set([
    'skeleton-page.mustache',
    'subscribe-page.mustache',
    'email-message.mustache',
    'email-message.txt.mustache',
  ]);
  const documents = files.filter((f) => !notDocuments.has(f));
  expect(documents.length).toBeGreaterThan(6);
  for (const file of documents) {
    expect(inBuild.has(readFileSync(resolve(TEMPLATES, file), 'utf8')), file).toBe(true);
  }
  expect(BUILD_PARTS.css.length).toBeGreaterThan(1000);
  expect(readFileSync(resolve(TEMPLATES, 'page.css'), 'utf8')).toContain('.bars i');
});
