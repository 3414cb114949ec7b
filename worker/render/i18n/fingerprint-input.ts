// What a language version adds to the inputs of its documents' fingerprints
// (render/fingerprint.ts): its catalogue (English too, for fallbacks), how this runtime's Intl
// writes its numbers, durations and lists, and which other versions the page has (the hreflang
// alternates and the language menu). A catalogue edit is a code change the build id does not
// hash, so it must be here for the ETag to change with the words.
import { CATALOGUES, translator } from './catalogue.ts';
import { en } from './messages/en.ts';
import { daysAgo, formatDurationIn, formatListIn, formatPercentIn } from './numbers.ts';
import type { LanguageVersion } from './page-language.ts';

const inputs = new Map<string, string>();

export function languageInput(
  version: LanguageVersion,
  versions: readonly LanguageVersion[],
): string {
  const key = JSON.stringify([version, versions]);
  let input = inputs.get(key);
  if (input === undefined) {
    const t = translator(version.language);
    input = JSON.stringify([
      versions,
      version,
      en,
      CATALOGUES[version.language],
      formatPercentIn(version.tag, 0.99987),
      formatDurationIn(t, version.tag, 26 * 3_600_000 + 5 * 60_000),
      formatDurationIn(t, version.tag, 125 * 60_000),
      daysAgo(version.tag, 90),
      formatListIn(version.tag, ['A', 'B', 'C']),
    ]);
    if (inputs.size >= 256) inputs.clear();
    inputs.set(key, input);
  }
  return input;
}
