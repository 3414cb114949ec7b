// Browser tests launch Chromium the repository's one way (scripts/lib/browser.ts); this path
// stays because the browser tests import it from here.
export { CHROMIUM, CHROMIUM_ARGS, launchChromium } from '../../scripts/lib/browser.ts';
