/**
 * Fault test for the ack promise: a writer types into a workspace of the CLI
 * server, which is SIGKILLed mid-stream; the writer vanishes with it, so the
 * server's storage is the only copy left. After a restart a fresh reader sees
 * at least every keystroke that was acked — acks follow the durable commit.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import WebSocket from 'ws';
import * as decoding from 'lib0/decoding';
import * as Y from 'yjs';
import { WebsocketProvider } from 'y-websocket';
import { WORKSPACE_PATH, WORKSPACE_SUBPROTOCOL, WORKSPACE_TOKEN_PREFIX, WorkspaceMessage } from '@parley/sdk/protocol';
import { devToken, exited, freePort, startCli } from './cli-process.js';
import { TestClient } from './helpers.js';
import { waitUntil } from './workspace-helpers.js';

const KILL_AFTER_ACKS = 60;
/** Typing goes on until that many keystrokes were acked, or this long (a loaded machine acks slowly). */
const TYPING_DEADLINE_MS = 60_000;

/** A provider with the Parley subprotocol; `acked()` is the highest ack count received. */
function provider(port: number, room: string, token: string, doc: Y.Doc): { p: WebsocketProvider; acked: () => number } {
  const p = new WebsocketProvider(`ws://127.0.0.1:${port}${WORKSPACE_PATH}`, room, doc, {
    WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
    protocols: [WORKSPACE_SUBPROTOCOL, `${WORKSPACE_TOKEN_PREFIX}${token}`],
    disableBc: true,
    maxBackoffTime: 200,
  });
  let acked = 0;
  p.messageHandlers[WorkspaceMessage.Ack] = (_encoder, decoder) => {
    acked = Math.max(acked, decoding.readVarUint(decoder));
  };
  return { p, acked: () => acked };
}

describe('workspace crash safety', () => {
  let child: ChildProcess | null = null;
  let dataDir = '';
  after(async () => {
    if (child && child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await exited(child);
    }
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('keeps every acked keystroke across a SIGKILL', { timeout: 120_000 }, async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'parley-ws-crash-'));
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    child = (await startCli({ port, dataDir, args: ['--dev', '--invitations', 'direct'], env: { PARLEY_JWT_SECRET: '' } })).child;
    const writerToken = await devToken(base, 'writer');
    const chat = await TestClient.connect(`ws://127.0.0.1:${port}/v1/ws`, writerToken);
    const { room } = await chat.request('room.create', { kind: 'workspace', name: 'crash doc', members: ['reader'] });
    chat.terminate();

    const doc = new Y.Doc();
    const writer = provider(port, room.id, writerToken, doc);
    let ackedAtKill = 0;
    try {
      await waitUntil(() => writer.p.synced, 'the writer synced');
      // Message 1 on the socket is the writer's sync step 2; keystroke k travels as message k + 1.
      // Keystrokes keep coming while earlier ones are acked, so some are always in flight at the kill.
      const deadline = Date.now() + TYPING_DEADLINE_MS;
      let typed = 0;
      while (Date.now() < deadline) {
        doc.getText('body').insert(typed, String.fromCharCode(97 + (typed % 26)));
        typed += 1;
        if (writer.acked() - 1 >= KILL_AFTER_ACKS && child) {
          ackedAtKill = writer.acked() - 1;
          child.kill('SIGKILL');
          break;
        }
        await new Promise((resolve) => setTimeout(resolve, 1));
      }
    } finally {
      // The writer vanishes with its unsent and un-acked keystrokes.
      writer.p.destroy();
      writer.p.awareness.destroy();
    }
    assert.ok(ackedAtKill >= KILL_AFTER_ACKS, `the server was killed after ${ackedAtKill} acked keystrokes`);
    if (child) await exited(child);
    const expected = doc.getText('body').toString().slice(0, ackedAtKill);

    child = (await startCli({ port, dataDir, args: ['--dev', '--invitations', 'direct'], env: { PARLEY_JWT_SECRET: '' } })).child;
    const readerDoc = new Y.Doc();
    const reader = provider(port, room.id, await devToken(base, 'reader'), readerDoc);
    try {
      await waitUntil(() => reader.p.synced, 'the reader synced', 20_000);
      const seen = readerDoc.getText('body').toString();
      assert.ok(seen.startsWith(expected), `every acked keystroke survived (${ackedAtKill} acked, ${seen.length} stored)`);
    } finally {
      reader.p.destroy();
      reader.p.awareness.destroy();
    }
  });
});
