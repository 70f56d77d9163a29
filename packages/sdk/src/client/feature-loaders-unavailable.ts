/**
 * The feature loaders of a build without code splitting (the
 * `parley-sdk.iife.js` script build): it stands in for `feature-loaders.ts`,
 * so neither mediasoup-client nor Yjs is bundled, and `client.call()` and
 * `client.workspace()` reject with `unsupported_browser`.
 */
import { ParleyError } from '../errors.js';
import type { FeatureLoaders } from './feature-loaders.js';

/** Loaders that refuse, naming the build that has the feature. */
export const featureLoaders: FeatureLoaders = {
  call: () =>
    Promise.reject(
      new ParleyError('unsupported_browser', 'calls need the ES module build of the SDK (parley-sdk.js); the script build has none'),
    ),
  workspace: () =>
    Promise.reject(
      new ParleyError(
        'unsupported_browser',
        'workspaces need the ES module build of the SDK (parley-sdk.js); the script build has none',
      ),
    ),
};
