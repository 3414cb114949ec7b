// The vocabulary of docs/contract.md §1: what the core platform sends and what a page shows.
// One source of truth for the worker and origin-sync (which imports this file), so it must
// stay free of runtime-specific imports.
import { z } from 'zod';
import { LANGUAGES } from './languages.ts';

/** Resource ids appear in URLs (`/incidents/:id`) and KV keys, so they are kept URL-safe. */
export const ResourceId = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.:-]*$/, 'letters, digits and _ . : - only');

export const EventId = z.string().min(1).max(128);

export const Timestamp = z.iso.datetime({ offset: true });

/** Only http(s) links may reach a template: `javascript:` and friends are refused at the door. */
export const HttpUrl = z.url({ protocol: /^https?$/ }).max(2048);

const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

/** Lowercases and drops a trailing dot and port, as the read path does for Host headers. */
export function normaliseHostname(raw: string): string {
  let host = raw.trim().toLowerCase();
  if (host.startsWith('[')) return host; // IPv6 literal: never a status-page hostname
  const colon = host.lastIndexOf(':');
  if (colon !== -1) host = host.slice(0, colon);
  if (host.endsWith('.')) host = host.slice(0, -1);
  return host;
}

export function isValidHostname(host: string): boolean {
  if (host.length === 0 || host.length > 253) return false;
  return host.split('.').every((label) => LABEL.test(label));
}

/** A name in punycode (`bücher.example` → `xn--bcher-kva.example`), or null if it is none. */
function toPunycode(host: string): string | null {
  if (/^[\x21-\x7e]*$/.test(host)) return host;
  try {
    return new URL(`http://${host}/`).hostname;
  } catch {
    return null;
  }
}

const IPV4 = /^\d+(\.\d+){0,3}$/;

/**
 * Why a normalised name cannot be a page's hostname (null: it can). Every hostname a page may
 * claim is a public DNS name of its own: never `localhost`, an IP literal or a wildcard, which
 * would let a page claim names that are not a customer's (issue 12).
 */
export function hostnameRefusal(host: string): string | null {
  if (host.includes('*')) return 'a wildcard is not a hostname';
  if (host.startsWith('[') || host.includes(':') || IPV4.test(host)) {
    return 'an IP address is not a hostname';
  }
  if (host === 'localhost') return 'localhost is not a hostname';
  if (!isValidHostname(host)) return 'not a valid DNS hostname';
  const labels = host.split('.');
  if (labels.length < 2) return 'a hostname has at least two labels (status.example.com)';
  // A top-level domain is never all digits: such a name is an IP address in disguise.
  if (/^\d+$/.test(labels[labels.length - 1] ?? '')) return 'an IP address is not a hostname';
  return null;
}

const LOCAL_SUFFIXES = ['.localhost', '.local', '.internal', '.home.arpa', '.lan'];

/**
 * The edge fetches a page's `jwksUrl`: it must not be pointed at an address (a private or
 * loopback one, the metadata service) or a name only a local network resolves.
 */
export function isPublicHostUrl(url: string): boolean {
  let host: string;
  try {
    host = new URL(url).hostname.toLowerCase().replace(/\.$/, '');
  } catch {
    return false;
  }
  if (hostnameRefusal(host) !== null) return false;
  return !LOCAL_SUFFIXES.some((s) => host.endsWith(s));
}

export const Hostname = z
  .string()
  .max(260)
  .transform((raw, ctx) => {
    const host = toPunycode(normaliseHostname(raw));
    const refusal = host === null ? 'not a valid DNS hostname' : hostnameRefusal(host);
    if (refusal !== null || host === null) {
      ctx.addIssue({ code: 'custom', message: refusal ?? 'not a valid DNS hostname' });
      return z.NEVER;
    }
    return host;
  });

function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

function isLocale(tag: string): boolean {
  try {
    return Intl.getCanonicalLocales(tag).length === 1;
  } catch {
    return false;
  }
}

export const TimeZone = z.string().max(64).refine(isTimeZone, 'not an IANA time zone');
export const Locale = z.string().max(35).refine(isLocale, 'not a BCP 47 language tag');
/** A language with a catalogue, by its canonical tag (`pt-BR`, not `pt-br`): its path prefix. */
export const PageLanguageTag = z
  .string()
  .max(35)
  .refine((tag) => (LANGUAGES as readonly string[]).includes(tag), {
    message: `one of ${LANGUAGES.join(', ')}`,
  });
export const HexColor = z.string().regex(/^#[0-9a-fA-F]{6}$/, 'a #rrggbb colour');
export const DayDate = z.iso.date();

// test/support/statuspage-model.ts lists the same words for Statuspage's schema, apart on
// purpose: that one is Statuspage's contract, this one ours, and either may change alone.
export const ServiceStatus = z.enum([
  'operational',
  'degraded_performance',
  'partial_outage',
  'major_outage',
  'under_maintenance',
]);
export const IncidentStatus = z.enum([
  'investigating',
  'identified',
  'monitoring',
  'resolved',
  'postmortem',
]);
export const Impact = z.enum(['none', 'minor', 'major', 'critical']);
export const MaintenanceStatus = z.enum(['scheduled', 'in_progress', 'verifying', 'completed']);
export const Visibility = z.enum(['public', 'private', 'audience']);

const Name = z.string().trim().min(1).max(200);
const Text = z.string().max(20_000);
const IdList = z.array(ResourceId).max(1000);

/** Public keys only: a symmetric (`oct`) key in a page's JWKS would let anyone holding it mint tokens. */
export const PublicJwk = z
  .looseObject({
    kty: z.enum(['RSA', 'EC', 'OKP']),
    kid: z.string().max(256).optional(),
    alg: z.string().max(16).optional(),
    use: z.string().max(16).optional(),
  })
  .refine((jwk) => !('d' in jwk), 'private key material is not accepted');

export const Fingerprint = z
  .string()
  .transform((s) => s.replaceAll(':', '').toLowerCase())
  .pipe(z.string().regex(/^[0-9a-f]{64}$/, 'a SHA-256 fingerprint in hex'));

export const KeyIdentifier = z
  .string()
  .transform((s) => s.replaceAll(':', '').toLowerCase())
  .pipe(z.string().regex(/^[0-9a-f]{16,128}$/, 'a key identifier in hex'));

export const Access = z
  .object({
    jwt: z
      .object({
        issuer: z.string().min(1).max(512),
        audience: z.string().min(1).max(512).optional(),
        jwks: z.object({ keys: z.array(PublicJwk).min(1).max(32) }).optional(),
        jwksUrl: HttpUrl.refine((u) => u.startsWith('https:'), 'jwksUrl must be https')
          .refine(
            isPublicHostUrl,
            'jwksUrl must name a public host, not an IP address or a local name',
          )
          .optional(),
        audienceClaim: z.string().min(1).max(128).optional(),
      })
      .refine((j) => j.jwks !== undefined || j.jwksUrl !== undefined, 'jwks or jwksUrl is required')
      .optional(),
    mtls: z
      .object({
        fingerprints: z.array(Fingerprint).max(1000).optional(),
        /** Extension: the issuing CAs' Subject Key Identifiers (hex), matched against
         * Cloudflare's `certIssuerSKI`. A DN is a string any CA can put in a certificate. */
        issuerSKIs: z.array(KeyIdentifier).min(1).max(100).optional(),
        /** With `issuerSKIs` only: then the issuer's DN must match too. */
        issuerDN: z.string().min(1).max(1024).optional(),
      })
      .refine(
        (m) => m.issuerDN === undefined || m.issuerSKIs !== undefined,
        'issuerDN alone does not identify a CA: name its key in issuerSKIs',
      )
      .optional(),
    require: z.enum(['any', 'all']).optional(),
    /** Extension: where to send a browser that has no credential, instead of the 401 page. */
    loginUrl: HttpUrl.optional(),
  })
  .superRefine((a, ctx) => {
    if (a.require !== 'all') return;
    // "all" with one side missing would be a door nobody can open, or one that opens on one key.
    if (!a.jwt)
      ctx.addIssue({ code: 'custom', path: ['jwt'], message: 'require "all" needs jwt keys' });
    const mtls = a.mtls;
    if (!mtls || ((mtls.fingerprints?.length ?? 0) === 0 && !mtls.issuerSKIs)) {
      ctx.addIssue({
        code: 'custom',
        path: ['mtls'],
        message: 'require "all" needs an mTLS allowlist (fingerprints or issuerSKIs)',
      });
    }
  });

export const ServiceGroup = z.object({ id: ResourceId, name: Name, serviceIds: IdList });
export const Audience = z.object({ id: ResourceId, name: Name, serviceIds: IdList });

export const Branding = z.object({
  logoUrl: HttpUrl.optional(),
  accentColor: HexColor.optional(),
  theme: z.enum(['light', 'dark', 'auto']).optional(),
});

export const StatusPage = z.object({
  id: ResourceId,
  name: Name,
  hostnames: z.array(Hostname).max(50),
  visibility: Visibility,
  serviceIds: IdList,
  groups: z.array(ServiceGroup).max(200).optional(),
  audiences: z.array(Audience).max(200).optional(),
  access: Access.optional(),
  branding: Branding.optional(),
  timeZone: TimeZone.optional(),
  locale: Locale.optional(),
  /**
   * Further languages the page is also served in, each under `/<tag>/` (docs/contract.md §2). Only
   * languages with a catalogue (domain/languages.ts): any other would be English words under
   * another language's name.
   */
  locales: z.array(PageLanguageTag).max(LANGUAGES.length).optional(),
  supportUrl: HttpUrl.optional(),
  /**
   * Extension: send visitors of `www.<host>` to `<host>` (`to_apex`) or the other way round
   * (`to_www`). Only between two hostnames this page has; see worker/domain/www-redirect.ts.
   */
  wwwRedirect: z.enum(['to_apex', 'to_www']).optional(),
});

export const Service = z.object({
  id: ResourceId,
  name: Name,
  description: z.string().max(2000).optional(),
  status: ServiceStatus,
});

export const IncidentUpdate = z.object({
  id: ResourceId,
  status: IncidentStatus,
  body: Text,
  createdAt: Timestamp,
});

export const Incident = z.object({
  id: ResourceId,
  name: Name,
  status: IncidentStatus,
  impact: Impact,
  serviceIds: IdList,
  createdAt: Timestamp,
  resolvedAt: Timestamp.optional(),
  updates: z.array(IncidentUpdate).max(500),
});

export const MaintenanceUpdate = z.object({
  id: ResourceId,
  status: MaintenanceStatus,
  body: Text,
  createdAt: Timestamp,
});

export const Maintenance = z
  .object({
    id: ResourceId,
    name: Name,
    status: MaintenanceStatus,
    serviceIds: IdList,
    scheduledFor: Timestamp,
    scheduledUntil: Timestamp,
    updates: z.array(MaintenanceUpdate).max(500),
  })
  .refine((m) => Date.parse(m.scheduledUntil) >= Date.parse(m.scheduledFor), {
    message: 'scheduledUntil must not be before scheduledFor',
    path: ['scheduledUntil'],
  });

const DaySeconds = z.number().int().min(0).max(86_400);
export const UptimeDay = z.object({
  serviceId: ResourceId,
  date: DayDate,
  partialOutageSeconds: DaySeconds,
  majorOutageSeconds: DaySeconds,
});

export const DeletedRef = z.object({ id: ResourceId });

const envelope = {
  id: EventId,
  occurredAt: Timestamp,
  version: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
};

export const CoreEvent = z.discriminatedUnion('type', [
  z.object({ ...envelope, type: z.literal('status_page.upserted'), data: StatusPage }),
  z.object({ ...envelope, type: z.literal('status_page.deleted'), data: DeletedRef }),
  z.object({ ...envelope, type: z.literal('service.upserted'), data: Service }),
  z.object({ ...envelope, type: z.literal('service.deleted'), data: DeletedRef }),
  z.object({ ...envelope, type: z.literal('incident.upserted'), data: Incident }),
  z.object({ ...envelope, type: z.literal('incident.deleted'), data: DeletedRef }),
  z.object({ ...envelope, type: z.literal('maintenance.upserted'), data: Maintenance }),
  z.object({ ...envelope, type: z.literal('maintenance.deleted'), data: DeletedRef }),
  z.object({ ...envelope, type: z.literal('uptime.recorded'), data: UptimeDay }),
]);

export const CoreEventBatch = z.object({ events: z.array(CoreEvent).min(1).max(500) });

export type ServiceStatus = z.infer<typeof ServiceStatus>;
export type IncidentStatus = z.infer<typeof IncidentStatus>;
export type Impact = z.infer<typeof Impact>;
export type MaintenanceStatus = z.infer<typeof MaintenanceStatus>;
export type Visibility = z.infer<typeof Visibility>;
export type Access = z.infer<typeof Access>;
export type Audience = z.infer<typeof Audience>;
export type ServiceGroup = z.infer<typeof ServiceGroup>;
export type Branding = z.infer<typeof Branding>;
export type StatusPage = z.infer<typeof StatusPage>;
export type Service = z.infer<typeof Service>;
export type IncidentUpdate = z.infer<typeof IncidentUpdate>;
export type Incident = z.infer<typeof Incident>;
export type MaintenanceUpdate = z.infer<typeof MaintenanceUpdate>;
export type Maintenance = z.infer<typeof Maintenance>;
export type UptimeDay = z.infer<typeof UptimeDay>;
export type CoreEvent = z.infer<typeof CoreEvent>;
export type CoreEventBatch = z.infer<typeof CoreEventBatch>;
