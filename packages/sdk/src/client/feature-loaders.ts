/**
 * Where the client loads its optional features from — the one seam between
 * the chat client and calls (mediasoup-client) or workspaces (Yjs). Each is a
 * dynamic `import()` of the feature's public entry, so bundlers put it in a
 * chunk of its own, fetched on the first `client.call()` or
 * `client.workspace()`. A build that cannot split code swaps this module for
 * `feature-loaders-unavailable.ts` (see rollup.config.mjs), which leaves both
 * features out.
 */
import type * as CallFeature from '../call/index.js';
import type * as WorkspaceFeature from '../workspace/index.js';

/** Loads the code of each optional feature. */
export interface FeatureLoaders {
  call(): Promise<Pick<typeof CallFeature, 'CallRegistry'>>;
  workspace(): Promise<Pick<typeof WorkspaceFeature, 'WorkspaceRegistry'>>;
}

/** Each feature from a chunk of its own. */
export const featureLoaders: FeatureLoaders = {
  call: () => import('../call/index.js'),
  workspace: () => import('../workspace/index.js'),
};
