// mTLS: Cloudflare terminates TLS, checks the client certificate against the zone's CAs and
// hands the result to the worker as `request.cf.tlsClientAuth`. A page accepts a certificate
// only if one was presented, Cloudflare verified it (`SUCCESS`), it is not revoked, and it is
// either one of the page's allowed certificates (SHA-256 fingerprint) or issued by the page's CA,
// known by its key (the issuer's Subject Key Identifier), not by a DN any CA could write.
import { z } from 'zod';
import type { Access } from '../domain/schema.ts';

export type MtlsSettings = NonNullable<Access['mtls']>;

// Fields are strings in Workers ("1"/"0", "SUCCESS"/"NONE"/"FAILED:<reason>"); anything else
// (absent, a boolean, a number) fails the parse and counts as no certificate.
const TlsClientAuth = z.object({
  certPresented: z.string(),
  certVerified: z.string(),
  certRevoked: z.string(),
  certFingerprintSHA256: z.string().max(200),
  certIssuerDN: z.string().max(2048).optional(),
  certIssuerDNRFC2253: z.string().max(2048).optional(),
  certIssuerDNLegacy: z.string().max(2048).optional(),
  certIssuerSKI: z.string().max(256).optional(),
});

/** The schema's normal form: lowercase hex without colons. */
export function normaliseFingerprint(raw: string): string {
  return raw.replaceAll(':', '').trim().toLowerCase();
}

/** Whether a page's mTLS settings name anything a certificate could match. */
export function mtlsConfigured(settings: MtlsSettings | undefined): settings is MtlsSettings {
  return Boolean(
    settings &&
      ((settings.fingerprints?.length ?? 0) > 0 || (settings.issuerSKIs?.length ?? 0) > 0),
  );
}

export function clientCertificateAllowed(cf: unknown, settings: MtlsSettings): boolean {
  const parsed = TlsClientAuth.safeParse(
    (cf as { tlsClientAuth?: unknown } | undefined)?.tlsClientAuth,
  );
  if (!parsed.success) return false;
  const auth = parsed.data;
  if (auth.certPresented !== '1' || auth.certVerified !== 'SUCCESS' || auth.certRevoked !== '0') {
    return false;
  }
  const fingerprint = normaliseFingerprint(auth.certFingerprintSHA256);
  // Both sides normalised: the schema does it on the way in, but a record must not depend on it.
  if (
    /^[0-9a-f]{64}$/.test(fingerprint) &&
    settings.fingerprints?.some((allowed) => normaliseFingerprint(allowed) === fingerprint)
  ) {
    return true;
  }
  // Issued by one of the page's CAs: by the CA's key, never by a DN string alone.
  const ski = normaliseFingerprint(auth.certIssuerSKI ?? '');
  if (!/^[0-9a-f]{16,128}$/.test(ski)) return false;
  if (!settings.issuerSKIs?.some((allowed) => normaliseFingerprint(allowed) === ski)) return false;
  if (settings.issuerDN) {
    const wanted = settings.issuerDN.trim();
    return [auth.certIssuerDN, auth.certIssuerDNRFC2253, auth.certIssuerDNLegacy].some(
      (dn) => dn !== undefined && dn.trim() === wanted && dn.trim() !== '',
    );
  }
  return true;
}
