// What Node-side tools need of the worker's renderer (bundled by render-bundle.ts).
export { variantIds } from '../../worker/domain/snapshot.ts';
export { renderVariant } from '../../worker/render/documents.ts';
export { docKey, hostKey } from '../../worker/store/keys.ts';
