/**
 * The life of a workspace socket as its user sees it: the per-user socket
 * limit counts a socket until it closes, a token that expires while open
 * closes the socket with 4004, a peer that stops answering pings is cut while
 * live ones stay, and shutdown closes with 1001 and a retry hint.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import WebSocket from 'ws';
import { CloseCode, ErrorCode, WorkspaceMessage } from '@parley/sdk/protocol';
import { createRoom, signToken } from './helpers.js';
import { RawWorkspaceSocket, WAIT_MS, startWorkspaceServer, waitUntil } from './workspace-helpers.js';
import type { WorkspaceServer } from './workspace-helpers.js';

/** Opens a socket and waits until the server greeted it (open) or closed it (refused). */
async function openOrRefuse(ws: WorkspaceServer, room: string, token: string, options: { autoPong?: boolean } = {}): Promise<RawWorkspaceSocket> {
  const raw = await RawWorkspaceSocket.open(ws, room, token, options);
  await waitUntil(
    () => raw.received.some((m) => m[0] === WorkspaceMessage.Sync) || raw.ws.readyState === WebSocket.CLOSED,
    'the socket was neither greeted nor closed',
  );
  return raw;
}

describe('workspace socket lifecycle', () => {
  let ws: WorkspaceServer;
  let room: string;
  const sockets: RawWorkspaceSocket[] = [];

  before(async () => {
    ws = await startWorkspaceServer({ limits: { maxConnectionsPerUser: 2 }, timing: { pingIntervalMs: 100 } });
    const owner = await ws.chat('olga');
    room = await createRoom(owner, ['ada', 'bob', 'cid'], 'workspace', 'Team doc');
  });

  after(async () => {
    for (const socket of sockets) socket.ws.terminate();
    await ws.close();
  });

  async function open(user: string, options: { exp?: number; autoPong?: boolean } = {}): Promise<RawWorkspaceSocket> {
    const raw = await openOrRefuse(ws, room, await signToken(user, { exp: options.exp }), { autoPong: options.autoPong });
    sockets.push(raw);
    return raw;
  }

  it('counts a user\'s sockets against maxConnectionsPerUser until they close', async () => {
    const first = await open('ada');
    const second = await open('ada');
    assert.equal(first.ws.readyState, WebSocket.OPEN);
    assert.equal(second.ws.readyState, WebSocket.OPEN);
    const third = await open('ada');
    assert.equal((await third.waitForClose()).code, CloseCode.TooManyConnections);
    // A refused socket was never counted, so refusing it freed nothing.
    const fourth = await open('ada');
    assert.equal((await fourth.waitForClose()).code, CloseCode.TooManyConnections);
    // Other users have slots of their own.
    assert.equal((await open('bob')).ws.readyState, WebSocket.OPEN);

    first.close();
    await first.waitForClose();
    // The server may hear of the close a moment after the client: retry the refused open, bounded.
    const deadline = Date.now() + WAIT_MS;
    let again = await open('ada');
    while (again.ws.readyState !== WebSocket.OPEN) {
      assert.equal((await again.waitForClose()).code, CloseCode.TooManyConnections);
      assert.ok(Date.now() < deadline, 'the closed socket still counts against the limit');
      await new Promise((resolve) => setTimeout(resolve, 20));
      again = await open('ada');
    }
    assert.equal(second.ws.readyState, WebSocket.OPEN);
  });

  it('closes with 4004 token_expired when the token expires while the socket is open', async () => {
    const raw = await open('cid', { exp: Math.floor(Date.now() / 1000) + 5 });
    assert.equal(raw.ws.readyState, WebSocket.OPEN, 'opened before the token expired');
    const closed = await raw.waitForClose();
    assert.equal(closed.code, CloseCode.TokenExpired);
    assert.equal(closed.reason.code, ErrorCode.TokenExpired);
  });

  it('cuts a socket that stops answering pings, and keeps live ones', async () => {
    const live = await open('olga');
    const silent = await open('olga', { autoPong: false });
    assert.equal(silent.ws.readyState, WebSocket.OPEN);
    assert.equal((await silent.waitForClose()).code, 1006);
    assert.equal(live.ws.readyState, WebSocket.OPEN);
  });
});

describe('workspace socket shutdown', () => {
  it('closes open workspace sockets with 1001 and a jittered retryAfterMs', async () => {
    const ws = await startWorkspaceServer();
    try {
      const owner = await ws.chat('olga');
      const room = await createRoom(owner, [], 'workspace', 'Notes');
      const raw = await openOrRefuse(ws, room, await signToken('olga'));
      assert.equal(raw.ws.readyState, WebSocket.OPEN);
      await ws.stop();
      const closed = await raw.waitForClose();
      assert.equal(closed.code, CloseCode.GoingAway);
      const retry = closed.reason.retryAfterMs;
      assert.ok(retry !== undefined && retry >= 1_000 && retry <= 5_000, `retryAfterMs ${String(retry)}`);
    } finally {
      await ws.close();
    }
  });
});
