/** The browser's device copy of a workspace document: y-indexeddb, one database per server, user and room. */
import { IndexeddbPersistence } from 'y-indexeddb';
import type { Doc } from 'yjs';
import { deleteDatabase } from '../offline/workspace-databases.js';
import type { WorkspaceLocalCopy } from './workspace-types.js';

/** Opens (or creates) the IndexedDB copy `name` of `doc`. */
export function indexedDbLocalCopy(name: string, doc: Doc): WorkspaceLocalCopy {
  const persistence = new IndexeddbPersistence(name, doc);
  const whenLoaded = new Promise<void>((resolve, reject) => {
    persistence.whenSynced.then(() => resolve(), reject);
    // A database that cannot be opened (private mode, quota) must not leave the workspace loading forever.
    persistence._db.catch(reject);
  });
  return {
    origin: persistence,
    whenLoaded,
    get: (key) => persistence.get(key) as Promise<unknown>,
    async set(key, value) {
      await persistence.set(key, value as string | number);
    },
    destroy: () => persistence.destroy(),
    async clear() {
      await persistence.destroy();
      await deleteDatabase(name);
    },
  };
}
