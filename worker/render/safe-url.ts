// Links that reach a template are http(s) only. The schema refuses others at the door; this
// is the second lock, for data that reached storage by any other route.
export function safeHttpUrl(raw: string | undefined): string | null {
  if (!raw) return null;
  try {
    const url = new URL(raw);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : null;
  } catch {
    return null;
  }
}
