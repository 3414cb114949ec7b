// What Node-side tools need of the worker's renderer (bundled by render-bundle.ts).
export { variantIds } from '../../worker/domain/snapshot.ts';
export { renderVariant } from '../../worker/render/documents.ts';
export { docKey, hostKey } from '../../worker/store/keys.ts';

import {
  audienceOfVariant,
  type PageSnapshot,
  sliceForAudience,
} from '../../worker/domain/snapshot.ts';
import { contentEtag } from '../../worker/render/digest.ts';
import { pageStyle } from '../../worker/render/documents.ts';
import { renderStatusPage } from '../../worker/render/html.ts';
import { statusPageView } from '../../worker/render/view-model.ts';

/**
 * One document, as a cold miss on the read path would render it for one request: the status
 * page of a variant, hashed for its ETag (the style's own hash is left out: it is constant).
 */
export async function renderStatusPageOnly(snapshot: PageSnapshot, now: Date): Promise<string> {
  const slice = sliceForAudience(snapshot, audienceOfVariant('public'));
  const body = renderStatusPage(
    statusPageView({ snapshot: slice, now }),
    pageStyle(slice.page.branding?.accentColor),
  );
  return contentEtag(body);
}
