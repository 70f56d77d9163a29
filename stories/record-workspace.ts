/**
 * Records the workspace the `<workspace-editor>` stories render: starts the
 * real Parley server (temp directory, dev auth, port 0), has Ada and Grace
 * write a document and a task list together through the SDK's
 * `client.workspace()`, and writes the document as the server stored it
 * (a Yjs update, base64, once both are synced) to `stories/recordings/workspace.json`, with Ada's
 * device cache for the room list.
 *
 *   node --conditions=source --import tsx stories/record-workspace.ts
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import * as Y from 'yjs';
import { createServer } from '@parley/server-adapter';
import { createClient, fetchDevToken, MemoryOfflineStore } from '@parley/sdk';
import type { ParleyClient } from '@parley/sdk';
import type { WorkspaceRecording } from './support/workspace-recording.js';

const OUT = join(dirname(fileURLToPath(import.meta.url)), 'recordings', 'workspace.json');
const ROOM = 'plans';

/** Polls `check` every 20 ms for at most 30 s (a bound for a busy machine). */
async function waitFor(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function main(): Promise<void> {
  const dataDir = await mkdtemp(join(tmpdir(), 'parley-stories-ws-'));
  const server = createServer({ dataDir, logger: false, auth: { dev: true, secret: 'storybook-recording-secret-long-enough-for-hs256' }, invitations: 'direct' });
  const clients: ParleyClient[] = [];
  try {
    const { port } = await server.listen(0, '127.0.0.1');
    const url = `http://127.0.0.1:${port}`;
    const connect = async (user: string, name: string, store?: MemoryOfflineStore) => {
      const client = createClient({ url, token: await fetchDevToken(url, user, name), WebSocket, offline: store ?? 'memory', userId: user });
      clients.push(client);
      await client.connect();
      await client.whenOnline();
      return client;
    };
    const store = new MemoryOfflineStore();
    const ada = await connect('ada', 'Ada Lovelace', store);
    const grace = await connect('grace', 'Grace Hopper');
    await ada.createRoom({ room: ROOM, kind: 'group', name: 'Launch plans', members: ['grace'] });

    const a = await ada.workspace(ROOM);
    const g = await grace.workspace(ROOM);
    await Promise.all([a.whenSynced(), g.whenSynced()]);
    a.doc.getText('body').insert(0, 'Launch plan\n\nShip the beta to the first ten teams on Monday.\nCollect feedback in this room; summarise it here on Friday.');
    for (const text of ['Draft the announcement', 'Invite the beta teams', 'Book the retro']) a.tasks.add(text);
    await waitFor(() => g.tasks.list().length === 3 && g.doc.getText('body').length > 0, 'grace sees ada’s work');
    g.tasks.toggle(g.tasks.list()[0]?.id ?? '');
    g.doc.getText('body').insert(g.doc.getText('body').length, '\nGrace: the retro is on the 14th.');
    await waitFor(() => a.text.toString().includes('14th'), 'ada sees grace’s edit');
    await Promise.all([a.whenSynced(), g.whenSynced()]);

    const recording: WorkspaceRecording = {
      user: 'ada',
      userName: 'Ada Lovelace',
      snapshot: await store.load(),
      room: ROOM,
      update: Buffer.from(Y.encodeStateAsUpdate(a.doc)).toString('base64'),
    };
    await writeFile(OUT, `${JSON.stringify(recording, null, 1)}\n`);
    a.release();
    g.release();
    console.log(`wrote ${OUT}`);
  } finally {
    await Promise.allSettled(clients.map((client) => client.dispose()));
    await server.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}

await main();
