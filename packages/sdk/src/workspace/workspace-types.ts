/**
 * Types of the workspace API. Type-only, so the chat client can name them
 * without loading Yjs; the code lives in `workspace.ts`, loaded on the first
 * `client.workspace()`.
 */
import type { Doc } from 'yjs';
import type { ParleyError } from '../errors.js';

/**
 * Where a workspace stands:
 * `loading` (reading the device copy), `connecting` (first connection attempt),
 * `syncing` (connected, exchanging what each side lacks), `synced` (live),
 * `offline` (lost the connection and retrying, or stopped for good when `error` is not retryable).
 */
export type WorkspaceStatus = 'loading' | 'connecting' | 'syncing' | 'synced' | 'offline';

/** One workspace as the UI sees it: `state.workspaces[roomId]`. */
export interface WorkspaceState {
  status: WorkspaceStatus;
  /** Local changes the server has not confirmed yet (stored, or refused for a read-only member). */
  pending: boolean;
  /** The user may read but not change the document; the UI should not offer editing. */
  readOnly: boolean;
  /** Why the workspace is offline, when it is; a non-retryable error means it stopped for good. */
  error: ParleyError | null;
}

/**
 * A device copy of one document (IndexedDB in browsers). Implementations
 * apply the stored state to the document they were made for, then store
 * every later update of it.
 */
export interface WorkspaceLocalCopy {
  /** The transaction origin used when applying stored state (so it is not mistaken for a local edit). */
  readonly origin: unknown;
  /** Resolves once the stored state has been applied to the document. */
  readonly whenLoaded: Promise<void>;
  /** Reads a small value kept beside the document. */
  get(key: string): Promise<unknown>;
  /** Writes a small value kept beside the document. */
  set(key: string, value: boolean | number | string): Promise<void>;
  /** Stops storing; the copy stays on the device. */
  destroy(): Promise<void>;
  /** Deletes the copy from the device. */
  clear(): Promise<void>;
}

/** Where device copies live (the client's `workspaceStore` option; IndexedDB by default in browsers). */
export interface WorkspaceLocalStore {
  /** Opens (or creates) the copy named `name` and loads it into `doc`. */
  open(name: string, doc: Doc): WorkspaceLocalCopy;
  /** Deletes every copy whose name starts with `prefix` (at logout: all of one user's documents on one server). */
  purge(prefix: string): Promise<void>;
}

/** A task of the workspace's task list (see the content model in the SDK README). */
export interface WorkspaceTask {
  id: string;
  text: string;
  done: boolean;
  /** Fractional index: tasks sort by `order`, then by `id`. */
  order: string;
  /** Id of the user who added it. */
  createdBy: string;
}

/** Where to put a task: before or after another one (omitted: at the end). */
export type TaskPosition = { before: string } | { after: string };
