// The pure half of CI's install step (scripts/ci-install.mjs): how a lockfile that `npm install`
// rewrote differs from the committed one, split into what CI tolerates and what it must refuse.
// Plain JavaScript for the same reason as its caller: it runs on the machine's Node 20.

/** True when an entry is an optional binary that a machine of `platform`/`arch` would never install. */
function otherPlatformOptional(entry, platform, arch) {
  if (!entry.optional) return false;
  const excludes = (list, mine) => {
    if (!Array.isArray(list) || list.length === 0) return false;
    const allowed = list.filter((v) => !v.startsWith('!'));
    if (list.includes(`!${mine}`)) return true;
    return allowed.length > 0 && !allowed.includes(mine);
  };
  return excludes(entry.os, platform) || excludes(entry.cpu, arch);
}

/**
 * What `npm install` changed in the lockfile, split into tolerated additions (optional binaries
 * for another platform than `platform`/`arch`) and every other difference.
 *
 * @param {{ packages?: Record<string, Record<string, unknown>> }} before the committed lockfile
 * @param {{ packages?: Record<string, Record<string, unknown>> }} after the lockfile npm wrote
 * @returns {{ tolerated: string[], other: string[] }}
 */
export function lockDifferences(before, after, platform = process.platform, arch = process.arch) {
  const tolerated = [];
  const other = [];
  const a = before.packages ?? {};
  const b = after.packages ?? {};
  for (const [path, entry] of Object.entries(b)) {
    if (!(path in a)) {
      (otherPlatformOptional(entry, platform, arch) ? tolerated : other).push(
        `added ${path}@${entry.version}`,
      );
    } else if (JSON.stringify(a[path]) !== JSON.stringify(entry)) {
      // An entry's own optionalDependencies come from its published manifest, so the registry
      // starting to serve one of them changes no existing entry: any change here is real.
      other.push(`changed ${path || 'the root package'}`);
    }
  }
  for (const path of Object.keys(a)) if (!(path in b)) other.push(`removed ${path}`);
  return { tolerated, other };
}
