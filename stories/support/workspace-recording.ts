/**
 * The workspace the `<workspace-editor>` stories render, recorded from the
 * real server by `stories/record-workspace.ts`: Ada's device cache plus the
 * room's document as a Yjs update. A story opens the room's workspace on a
 * recorded client (no network) and applies the update, so the real SDK and
 * element render what Ada's device would hold.
 */
import * as Y from 'yjs';
import type { ParleyClient } from '@parley/sdk';
import type { Recording } from './recorded-client.js';
import workspaceJson from '../recordings/workspace.json';

/** A recording with one room's workspace document. */
export interface WorkspaceRecording extends Recording {
  room: string;
  /** `Y.encodeStateAsUpdate` of the document, base64. */
  update: string;
}

/** Ada and Grace's launch plan: a document and three tasks, one done. */
export const workspace = workspaceJson as unknown as WorkspaceRecording;

/** The part of the SDK's workspace handle a story touches. */
interface StoryWorkspace {
  doc: Y.Doc;
  whenLoaded?: Promise<unknown>;
}

/**
 * Puts the recorded document into `client`'s workspace of the recording's
 * room (the same handle the element opens). `origin` is the Yjs origin of
 * the update: the SDK counts changes of unknown origin as local edits not yet
 * confirmed by the server, which is what the "offline with pending" story shows.
 */
export async function loadRecordedWorkspace(client: ParleyClient, recording: WorkspaceRecording, origin: unknown = 'recording'): Promise<void> {
  const open = (client as unknown as { workspace(room: string): StoryWorkspace | Promise<StoryWorkspace> }).workspace;
  const handle = await open.call(client, recording.room);
  await handle.whenLoaded;
  const bytes = Uint8Array.from(atob(recording.update), (c) => c.charCodeAt(0));
  Y.applyUpdate(handle.doc, bytes, origin);
}
