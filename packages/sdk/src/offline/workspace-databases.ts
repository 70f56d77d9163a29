/**
 * Names of the IndexedDB databases that hold workspace documents on the
 * device, and their removal at logout. Free of Yjs, so the chat client can
 * purge documents without loading the workspace code.
 */

/** Prefix of every workspace database of one server and user. */
export function workspaceDatabasePrefix(workspaceUrl: string, userId: string): string {
  return `parley-ws:${workspaceUrl}:${userId}:`;
}

/** The database of one room's document. */
export function workspaceDatabaseName(workspaceUrl: string, userId: string, room: string): string {
  return `${workspaceDatabasePrefix(workspaceUrl, userId)}${room}`;
}

/** Deletes one IndexedDB database; resolves when done, or once it is queued behind another tab's open connection. */
export function deleteDatabase(name: string): Promise<void> {
  return new Promise((resolve) => {
    let request: IDBOpenDBRequest;
    try {
      request = indexedDB.deleteDatabase(name);
    } catch {
      resolve();
      return;
    }
    request.onsuccess = () => resolve();
    request.onerror = () => resolve();
    request.onblocked = () => resolve();
  });
}

/**
 * Deletes every workspace database starting with `prefix` (logout). Needs
 * `indexedDB.databases()`; where it is missing only the documents opened in
 * this page are removed (by their handles).
 */
export async function purgeWorkspaceDatabases(prefix: string): Promise<void> {
  if (typeof indexedDB === 'undefined' || typeof indexedDB.databases !== 'function') return;
  let names: string[];
  try {
    names = (await indexedDB.databases()).map((db) => db.name ?? '').filter((name) => name.startsWith(prefix));
  } catch {
    return;
  }
  await Promise.all(names.map(deleteDatabase));
}
