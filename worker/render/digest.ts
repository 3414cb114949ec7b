// CSP style hashes for the one inline <style> block of each page.
import { sha256, toBase64 } from '../domain/sha256.ts';

/** The CSP source that allows exactly one inline <style> block. */
export async function styleHashSource(css: string): Promise<string> {
  return `'sha256-${toBase64(await sha256(css))}'`;
}
