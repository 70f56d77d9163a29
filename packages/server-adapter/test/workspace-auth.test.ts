/**
 * Workspace authorization: the chat tokens and origin list apply, members of
 * the room edit, read-only members' edits are refused and reach nobody,
 * non-members get nothing, and membership changes take effect at once.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CloseCode, ErrorCode, READ_ONLY_REASON, WorkspaceMessage } from '@parley/sdk/protocol';
import { createRoom, signToken } from './helpers.js';
import type { TestClient } from './helpers.js';
import { RawWorkspaceSocket, bodyOf, openProvider, startWorkspaceServer, synced, waitUntil } from './workspace-helpers.js';
import type { TestProvider, WorkspaceServer } from './workspace-helpers.js';

describe('workspace authorization', () => {
  let ws: WorkspaceServer;
  let owner: TestClient;
  let group: string;
  const providers: TestProvider[] = [];

  before(async () => {
    ws = await startWorkspaceServer({ allowedOrigins: ['https://app.example'] });
    owner = await ws.chat('olga');
    group = await createRoom(owner, ['ada'], 'workspace', 'Team doc');
  });

  after(async () => {
    for (const p of providers) p.destroy();
    await ws.close();
  });

  async function open(user: string, room: string, options: Parameters<typeof openProvider>[3] = {}): Promise<TestProvider> {
    const p = await openProvider(ws, user, room, options);
    providers.push(p);
    return p;
  }

  /** Opens a raw socket and returns how it closed, plus whether any document data came first. */
  async function refusal(room: string, token: string | null, options: { origin?: string } = {}) {
    const raw = await RawWorkspaceSocket.open(ws, room, token, options);
    const closed = await raw.waitForClose();
    return { ...closed, received: raw.received.length };
  }

  it('refuses non-members and unknown rooms alike with 4403, before sending anything', async () => {
    const outsider = await signToken('eve');
    const asOutsider = await refusal(group, outsider);
    assert.equal(asOutsider.code, CloseCode.WorkspaceForbidden);
    assert.equal(asOutsider.reason.code, ErrorCode.NotMember);
    assert.equal(asOutsider.received, 0, 'not even the state vector');
    const unknown = await refusal('no-such-room', outsider);
    assert.equal(unknown.code, CloseCode.WorkspaceForbidden);
  });

  it('refuses missing, forged and expired tokens, and foreign origins', async () => {
    assert.equal((await refusal(group, null)).code, CloseCode.AuthFailed);
    assert.equal((await refusal(group, await signToken('ada', { secret: 'another-secret-of-enough-length!!' }))).code, CloseCode.AuthFailed);
    const expired = await refusal(group, await signToken('ada', { exp: Math.floor(Date.now() / 1000) - 60 }));
    assert.equal(expired.code, CloseCode.TokenExpired);
    assert.equal(expired.reason.code, ErrorCode.TokenExpired);
    const foreign = await refusal(group, await signToken('ada'), { origin: 'https://evil.example' });
    assert.equal(foreign.code, CloseCode.OriginForbidden);
    const allowed = await RawWorkspaceSocket.open(ws, group, await signToken('ada'), { origin: 'https://app.example' });
    await allowed.waitForMessage(WorkspaceMessage.Sync);
    allowed.close();
  });

  it('a read-only member reads, is told once, and their edits reach neither others nor storage', async () => {
    const broadcast = await createRoom(owner, ['rita', 'ada'], 'broadcast', 'Announcements');
    const editor = await open('olga', broadcast);
    const reader = await open('rita', broadcast);
    const other = await open('ada', broadcast);
    await Promise.all([synced(editor), synced(reader), synced(other)]);
    assert.deepEqual(reader.denied, [READ_ONLY_REASON]);
    assert.deepEqual(other.denied, [READ_ONLY_REASON], 'members of broadcast rooms read only');
    assert.deepEqual(editor.denied, []);

    editor.doc.getText('body').insert(0, 'official');
    await waitUntil(() => bodyOf(reader.doc) === 'official' && bodyOf(other.doc) === 'official', 'readers see the edit');

    const acked = reader.acked();
    reader.doc.getText('body').insert(0, 'HACKED ');
    await waitUntil(() => reader.acked() > acked, 'the refused edit is answered');
    // Something the editor writes after it still arrives, and the refused edit never did.
    editor.doc.getText('body').insert(8, '.');
    await waitUntil(() => bodyOf(other.doc) === 'official.', 'the later edit arrives');
    assert.equal(bodyOf(editor.doc), 'official.');
    assert.equal(bodyOf(other.doc), 'official.');
    assert.deepEqual(reader.denied, [READ_ONLY_REASON], 'told only once');

    const fresh = await open('olga', broadcast);
    await synced(fresh);
    assert.equal(bodyOf(fresh.doc), 'official.');
    assert.equal(reader.closes.length, 0, 'the reader stays connected');
  });

  it('closes a member\'s socket with 4403 when they are kicked', async () => {
    const room = await createRoom(owner, ['kim'], 'workspace', 'Kick test');
    const kim = await open('kim', room);
    await synced(kim);
    await owner.request('room.kick', { room, user: 'kim' });
    await waitUntil(() => kim.closes.length > 0, 'kim is disconnected');
    assert.equal(kim.closes[0].code, CloseCode.WorkspaceForbidden);
    assert.equal(kim.closes[0].reason.code, ErrorCode.NotMember);
    // 44xx is final for y-websocket: no reconnect loop.
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(kim.closes.length, 1);
  });

  it('a mute makes a member read-only at once; a promotion in a broadcast room lets them edit after 4010', async () => {
    const room = await createRoom(owner, ['max'], 'broadcast', 'Promotion');
    const max = await open('max', room);
    await synced(max);
    assert.deepEqual(max.denied, [READ_ONLY_REASON]);
    await owner.request('room.setRole', { room, user: 'max', role: 'moderator' });
    await waitUntil(() => max.closes.some((c) => c.code === CloseCode.WorkspaceAccessChanged), 'max is asked to reconnect');
    await waitUntil(() => max.provider.synced && max.closes.length === 1, 'max reconnected');
    const before = max.denied.length;
    max.doc.getText('body').insert(0, 'now I may');
    const olga = await open('olga', room);
    await synced(olga);
    await waitUntil(() => bodyOf(olga.doc) === 'now I may', 'the moderator\'s edit arrives');
    assert.equal(max.denied.length, before, 'no refusal on the new socket');

    await owner.request('room.mute', { room, user: 'max', durationMs: 60_000 });
    await waitUntil(() => max.denied.length === before + 1, 'a mute is announced as read-only');
    max.doc.getText('body').insert(0, 'muted: ');
    olga.doc.getText('body').insert(bodyOf(olga.doc).length, '!');
    await waitUntil(() => bodyOf(max.doc).endsWith('!'), 'max still reads');
    assert.equal(bodyOf(olga.doc), 'now I may!');
  });
});
