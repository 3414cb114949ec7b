// The tokens in subscription links: `<subscriber id>.<HMAC-SHA256(page key, purpose, id)>`,
// base64url. Nothing of them is stored: the page's coordinator keeps one random key and
// recomputes, so a stolen database row cannot be turned into a working link, and a deleted
// subscriber's links die with its row. Compared in constant time.
const encoder = new TextEncoder();

export type LinkPurpose = 'confirm' | 'manage';

export function randomHex(bytes: number): string {
  const buf = crypto.getRandomValues(new Uint8Array(bytes));
  let hex = '';
  for (const b of buf) hex += b.toString(16).padStart(2, '0');
  return hex;
}

function base64url(bytes: Uint8Array): string {
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '');
}

export function importLinkKey(hex: string): Promise<CryptoKey> {
  const raw = new Uint8Array(hex.match(/../g)?.map((h) => Number.parseInt(h, 16)) ?? []);
  return crypto.subtle.importKey('raw', raw, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
}

async function mac(key: CryptoKey, purpose: LinkPurpose, id: string): Promise<string> {
  const sig = await crypto.subtle.sign('HMAC', key, encoder.encode(`${purpose}\n${id}`));
  return base64url(new Uint8Array(sig));
}

export async function linkToken(key: CryptoKey, purpose: LinkPurpose, id: string): Promise<string> {
  return `${id}.${await mac(key, purpose, id)}`;
}

const TOKEN = /^([0-9a-f]{32})\.([A-Za-z0-9_-]{43})$/;

/** The subscriber id a token was made for, or null if it is not one of this page's. */
export async function verifyLinkToken(
  key: CryptoKey,
  purpose: LinkPurpose,
  token: string,
): Promise<string | null> {
  const m = TOKEN.exec(token);
  if (!m) return null;
  const [, id, given] = m as unknown as [string, string, string];
  const want = await mac(key, purpose, id);
  let diff = 0;
  for (let i = 0; i < want.length; i++) diff |= want.charCodeAt(i) ^ given.charCodeAt(i);
  return diff === 0 ? id : null;
}

/** Whether a string can be a token at all (routes refuse others without asking the page). */
export function looksLikeLinkToken(token: string): boolean {
  return TOKEN.test(token);
}

/** Rate-limit keys are hashed: neither a client address nor an email address is stored. */
export async function hashKey(text: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', encoder.encode(text));
  return base64url(new Uint8Array(digest)).slice(0, 22);
}
