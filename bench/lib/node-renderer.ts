// The worker's renderer, bundled for plain Node (see render-bundle.ts), loaded once.
import { importBundled } from './render-bundle.ts';

type Renderer = typeof import('./renderer-entry.ts');

let renderer: Promise<Renderer> | undefined;

export function nodeRenderer(): Promise<Renderer> {
  renderer ??= importBundled<Renderer>('bench/lib/renderer-entry.ts');
  return renderer;
}
