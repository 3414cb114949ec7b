// Node tests render pages with the worker's code; vitest.config.ts loads the templates and
// the CSS as text the way wrangler bundles them. An empty stylesheet would let every Node
// test (and the accessibility gate) pass on an unstyled page.
import { expect, it } from 'vitest';
import head from '../../templates/head.mustache';
import css from '../../templates/page.css';

it('loads templates and the page CSS as their full text', () => {
  expect(css).toContain('.bars li');
  expect(css.length).toBeGreaterThan(1000);
  expect(head).toContain('<style>{{{style}}}</style>');
});
