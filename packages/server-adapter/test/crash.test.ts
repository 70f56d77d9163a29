/**
 * Fault test: the CLI server is SIGKILLed twice while three clients send
 * concurrently; clients retry every un-acked send with the same clientId.
 * Afterwards every acked message exists exactly once, seqs are 1..N without
 * gaps, and all clients see the same order.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { Message } from '@parley/sdk/protocol';
import { devToken, exited, freePort, startCli } from './cli-process.js';
import { TestClient } from './helpers.js';

const USERS = ['u1', 'u2', 'u3'];
const PER_CLIENT = 150;
const KILL_AT = [120, 280];
const WINDOW = 8;
const DEADLINE_MS = 90_000;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Connects, retrying while the server is down (bounded by the deadline). */
async function connectRetrying(wsUrl: string, token: string, deadline: number): Promise<TestClient> {
  for (;;) {
    try {
      return await TestClient.connect(wsUrl, token);
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await sleep(50);
    }
  }
}

/** Sends PER_CLIENT messages with a window of WINDOW in flight, reconnecting and retrying un-acked ones. */
async function sender(
  user: string,
  token: string,
  wsUrl: string,
  room: string,
  onAck: () => void,
  deadline: number,
): Promise<Map<string, Message>> {
  const acked = new Map<string, Message>();
  const clientIds = Array.from({ length: PER_CLIENT }, (_, i) => `${user}-msg-${i}`);
  while (acked.size < PER_CLIENT) {
    if (Date.now() > deadline) throw new Error(`${user} did not finish in time (${acked.size} acked)`);
    const client = await connectRetrying(wsUrl, token, deadline);
    const pending = clientIds.filter((id) => !acked.has(id));
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < pending.length && client.ws.readyState === client.ws.OPEN) {
        const clientId = pending[next++];
        const { message } = await client.request('message.send', { room, clientId, text: `text of ${clientId}` });
        if (!acked.has(clientId)) {
          acked.set(clientId, message);
          onAck();
        } else {
          assert.equal(acked.get(clientId)?.id, message.id, 'a retry returned a different message');
        }
      }
    };
    await Promise.allSettled(Array.from({ length: WINDOW }, worker));
    client.terminate();
  }
  return acked;
}

async function fullHistory(client: TestClient, room: string): Promise<Message[]> {
  const all: Message[] = [];
  let before: number | undefined;
  for (let page = 0; page < 100; page++) {
    const { messages, hasMore } = await client.request('message.history', { room, before, limit: 200 });
    all.unshift(...messages);
    if (!hasMore || messages.length === 0) return all;
    before = messages[0].seq;
  }
  throw new Error('history did not end');
}

describe('crash safety', () => {
  let child: ChildProcess | null = null;
  let dataDir = '';
  after(async () => {
    if (child && child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await exited(child);
    }
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('loses no acked message and duplicates none across two SIGKILLs', { timeout: 120_000 }, async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'parley-crash-'));
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const wsUrl = `ws://127.0.0.1:${port}/v1/ws`;
    const deadline = Date.now() + DEADLINE_MS;
    child = (await startCli({ port, dataDir, args: ['--dev', '--invitations', 'direct'], env: { PARLEY_JWT_SECRET: '' } })).child;

    const tokens = new Map<string, string>();
    for (const user of USERS) tokens.set(user, await devToken(base, user));
    const owner = await TestClient.connect(wsUrl, tokens.get('u1') ?? '');
    const { room } = await owner.request('room.create', { kind: 'group', name: 'crash room', members: ['u2', 'u3'] });
    owner.terminate();

    let acks = 0;
    let kills = 0;
    const killer = (async () => {
      while (kills < KILL_AT.length && Date.now() < deadline) {
        if (acks >= KILL_AT[kills] && child) {
          child.kill('SIGKILL');
          await exited(child);
          kills += 1;
          child = (await startCli({ port, dataDir, args: ['--dev', '--invitations', 'direct'], env: { PARLEY_JWT_SECRET: '' } })).child;
        }
        await sleep(5);
      }
    })();
    const results = await Promise.all(
      USERS.map((user) => sender(user, tokens.get(user) ?? '', wsUrl, room.id, () => (acks += 1), deadline)),
    );
    await killer;
    assert.equal(kills, KILL_AT.length, 'the server was killed twice mid-stream');

    const histories: Message[][] = [];
    for (const user of USERS) {
      const client = await connectRetrying(wsUrl, tokens.get(user) ?? '', deadline);
      histories.push(await fullHistory(client, room.id));
      client.terminate();
    }
    const [history] = histories;
    for (const other of histories.slice(1)) {
      assert.deepEqual(other.map((m) => m.id), history.map((m) => m.id), 'every client sees the same order');
    }
    assert.deepEqual(history.map((m) => m.seq), history.map((_, i) => i + 1), 'seqs are 1..N without gaps');

    const keys = history.filter((m) => m.kind === 'user').map((m) => `${m.sender}\n${m.clientId ?? ''}`);
    assert.equal(new Set(keys).size, keys.length, 'no (sender, clientId) appears twice');
    assert.equal(keys.length, USERS.length * PER_CLIENT);

    const byId = new Map(history.map((m) => [m.id, m]));
    results.forEach((acked, index) => {
      assert.equal(acked.size, PER_CLIENT);
      for (const [clientId, message] of acked) {
        const stored = byId.get(message.id);
        assert.ok(stored, `acked message ${clientId} of ${USERS[index]} is present`);
        assert.equal(stored.seq, message.seq);
        assert.equal(stored.clientId, clientId);
        assert.equal(stored.text, `text of ${clientId}`);
      }
    });

    const running = child;
    running.kill('SIGTERM');
    assert.equal(await exited(running), 0, 'SIGTERM closes gracefully and exits 0');
    child = null;
  });
});
