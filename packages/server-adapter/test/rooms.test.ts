import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ErrorCode } from '@parley/sdk/protocol';
import type { Message, RoomInfo } from '@parley/sdk/protocol';
import { can } from '../src/index.js';
import { cid, createRoom, send, startServer } from './helpers.js';
import type { TestClient, TestServer } from './helpers.js';

describe('rooms', () => {
  let ts: TestServer;
  /** owner, admin, moderator, member, outsider */
  let olivia: TestClient, adam: TestClient, mona: TestClient, mel: TestClient, otto: TestClient;

  before(async () => {
    ts = await startServer();
    olivia = await ts.connect('olivia', 'Olivia');
    adam = await ts.connect('adam', 'Adam');
    mona = await ts.connect('mona', 'Mona');
    mel = await ts.connect('mel', 'Mel');
    otto = await ts.connect('otto', 'Otto');
  });
  after(() => ts.close());

  /** A room of `kind` where olivia owns, adam is admin, mona moderator, mel member. */
  async function staffedRoom(kind: 'group' | 'public' | 'broadcast' | 'workspace' = 'group'): Promise<string> {
    const room = await createRoom(olivia, ['adam', 'mona', 'mel'], kind);
    await olivia.request('room.setRole', { room, user: 'adam', role: 'admin' });
    await olivia.request('room.setRole', { room, user: 'mona', role: 'moderator' });
    return room;
  }

  async function roleOf(room: string, user: string): Promise<string | undefined> {
    const { members } = await olivia.request('room.members', { room });
    return members.find((m) => m.user === user)?.role;
  }

  async function systemEvents(client: TestClient, room: string): Promise<string[]> {
    const { messages } = await client.request('message.history', { room });
    return messages.filter((m) => m.kind === 'system').map((m) => m.system?.event ?? '');
  }

  describe('kinds', () => {
    it('creates a group: creator owns it, invited members get room.added and see the created message', async () => {
      const room = await createRoom(olivia, ['mel', 'mel', 'olivia'], 'group', 'Book club');
      const added = await mel.waitFor((f) => f.type === 'room.added' && f.room.id === room);
      assert.equal(added.type === 'room.added' && added.room.role, 'member');
      const { room: info } = await olivia.request('room.get', { room });
      assert.equal(info.role, 'owner');
      assert.equal(info.kind, 'group');
      assert.equal(info.name, 'Book club');
      assert.equal(info.memberCount, 2);
      assert.deepEqual(await systemEvents(mel, room), ['created']);
      const { rooms } = await mel.request('rooms.list', {});
      assert.ok(rooms.some((r) => r.id === room));
    });

    it('direct rooms: one per pair, either way round, with the peer named', async () => {
      const { room: a } = await olivia.request('room.direct', { user: 'mel' });
      const { room: b } = await mel.request('room.direct', { user: 'olivia' });
      assert.equal(a.id, b.id);
      assert.equal(a.kind, 'direct');
      assert.equal(a.peer, 'mel');
      assert.equal(b.peer, 'olivia');
      assert.equal(a.memberCount, 2);
      assert.equal(await olivia.fail('room.direct', { user: 'olivia' }), ErrorCode.BadRequest);
    });

    it('direct rooms allow no invites, moderation, renames or leaving', async () => {
      const { room } = await adam.request('room.direct', { user: 'mona' });
      assert.equal(await adam.fail('room.invite', { room: room.id, user: 'mel' }), ErrorCode.Forbidden);
      assert.equal(await adam.fail('room.kick', { room: room.id, user: 'mona' }), ErrorCode.Forbidden);
      assert.equal(await adam.fail('room.ban', { room: room.id, user: 'mona' }), ErrorCode.Forbidden);
      assert.equal(await adam.fail('room.mute', { room: room.id, user: 'mona' }), ErrorCode.Forbidden);
      assert.equal(await adam.fail('room.setRole', { room: room.id, user: 'mona', role: 'member' }), ErrorCode.Forbidden);
      assert.equal(await adam.fail('room.update', { room: room.id, name: 'x' }), ErrorCode.Forbidden);
      assert.equal(await adam.fail('room.leave', { room: room.id }), ErrorCode.Forbidden);
      assert.equal(await mel.fail('room.join', { room: room.id }), ErrorCode.NotFound);
    });

    it("direct rooms: each side deletes only their own messages, never the other's", async () => {
      const { room } = await mel.request('room.direct', { user: 'otto' });
      const mels = await send(mel, room.id, 'from mel');
      const ottos = await send(otto, room.id, 'from otto');
      assert.equal(await otto.fail('message.delete', { messageId: mels.id, clientId: cid() }), ErrorCode.Forbidden);
      assert.equal(await mel.fail('message.delete', { messageId: ottos.id, clientId: cid() }), ErrorCode.Forbidden);
      const { messages } = await mel.request('message.history', { room: room.id });
      assert.deepEqual(
        messages.filter((m) => m.kind === 'user').map((m) => [m.text, m.deletedAt]),
        [
          ['from mel', null],
          ['from otto', null],
        ],
      );
      const { message: own } = await otto.request('message.delete', { messageId: ottos.id, clientId: cid() });
      assert.ok(own.deletedAt !== null);
    });

    it('direct rooms are refused with blocked when either user blocked the other, and sends stop', async () => {
      const { room } = await mona.request('room.direct', { user: 'otto' });
      await send(mona, room.id, 'before the block');
      await otto.request('user.block', { user: 'mona' });
      assert.equal(await mona.fail('room.direct', { user: 'otto' }), ErrorCode.Blocked);
      assert.equal(await otto.fail('room.direct', { user: 'mona' }), ErrorCode.Blocked);
      assert.equal(await mona.fail('message.send', { room: room.id, clientId: cid(), text: 'hello?' }), ErrorCode.Blocked);
      await otto.request('user.unblock', { user: 'mona' });
      const { room: again } = await mona.request('room.direct', { user: 'otto' });
      assert.equal(again.id, room.id);
      await send(mona, room.id, 'after the unblock');
    });

    it('public rooms: discoverable, visible to outsiders, joinable, and outsiders are not members', async () => {
      const room = await createRoom(olivia, [], 'public', 'Astronomy fans');
      const { rooms } = await otto.request('rooms.discover', { query: 'astronomy' });
      const found = rooms.find((r) => r.id === room);
      assert.ok(found);
      assert.equal(found.role, null);
      const { room: seen } = await otto.request('room.get', { room });
      assert.equal(seen.role, null);
      assert.equal(await otto.fail('message.history', { room }), ErrorCode.NotMember);
      assert.equal(await otto.fail('message.send', { room, clientId: cid(), text: 'hi' }), ErrorCode.NotMember);
      assert.equal(await otto.fail('room.members', { room }), ErrorCode.NotMember);

      const { room: joined } = await otto.request('room.join', { room });
      assert.equal(joined.role, 'member');
      await otto.waitFor((f) => f.type === 'room.added' && f.room.id === room);
      await olivia.waitFor((f) => f.type === 'member' && f.room === room && f.member.user === 'otto' && f.change === 'joined');
      const again = await otto.request('room.join', { room });
      assert.equal(again.room.memberCount, 2);
      assert.deepEqual(await systemEvents(otto, room), ['created', 'joined']);
      await send(otto, room, 'hello astronomers');
    });

    it('a room may be created under a readable id; the id is unique and validated', async () => {
      const { room } = await olivia.request('room.create', { room: 'book-club', kind: 'public', name: 'Book club' });
      assert.equal(room.id, 'book-club');
      assert.equal(await otto.fail('room.create', { room: 'book-club', kind: 'public', name: 'Other' }), ErrorCode.Conflict);
      assert.equal(await otto.fail('room.create', { room: 'Not A Slug!', kind: 'group', name: 'x' }), ErrorCode.BadRequest);
      const { room: joined } = await otto.request('room.join', { room: 'book-club' });
      assert.equal(joined.name, 'Book club');
    });

    it('private rooms are invisible to outsiders (not_found for everything)', async () => {
      const room = await staffedRoom('group');
      const msg = await send(mel, room, 'secret');
      assert.equal(await otto.fail('room.get', { room }), ErrorCode.NotFound);
      assert.equal(await otto.fail('room.join', { room }), ErrorCode.NotFound);
      assert.equal(await otto.fail('room.members', { room }), ErrorCode.NotFound);
      assert.equal(await otto.fail('message.history', { room }), ErrorCode.NotFound);
      assert.equal(await otto.fail('message.send', { room, clientId: cid(), text: 'x' }), ErrorCode.NotFound);
      assert.equal(await otto.fail('message.edit', { messageId: msg.id, clientId: cid(), text: 'x' }), ErrorCode.NotFound);
      assert.equal(await otto.fail('message.react', { messageId: msg.id, clientId: cid(), emoji: '👍', on: true }), ErrorCode.NotFound);
      assert.equal(await otto.fail('message.thread', { messageId: msg.id }), ErrorCode.NotFound);
      assert.equal(await otto.fail('receipt', { room, read: 1 }), ErrorCode.NotFound);
      assert.equal(await otto.fail('typing', { room, typing: true }), ErrorCode.NotFound);
      assert.equal(await otto.fail('room.invite', { room, user: 'otto' }), ErrorCode.NotFound);
      assert.equal(await otto.fail('search', { query: 'secret', room }), ErrorCode.NotFound);
      const { messages } = await otto.request('search', { query: 'secret' });
      assert.equal(messages.length, 0);
    });

    it('broadcast rooms: only moderators and up post; members may still react', async () => {
      const room = await staffedRoom('broadcast');
      assert.equal(await mel.fail('message.send', { room, clientId: cid(), text: 'me too' }), ErrorCode.Forbidden);
      const news = await send(mona, room, 'announcement from a moderator');
      await send(adam, room, 'announcement from an admin');
      await send(olivia, room, 'announcement from the owner');
      const { message } = await mel.request('message.react', { messageId: news.id, clientId: cid(), emoji: '🎉', on: true });
      assert.deepEqual(message.reactions['🎉'], ['mel']);
    });

    it('workspace rooms behave like groups for membership', async () => {
      const room = await staffedRoom('workspace');
      const { room: info } = await mel.request('room.get', { room });
      assert.equal(info.kind, 'workspace');
      await send(mel, room, 'notes');
    });
  });

  describe('permissions', () => {
    it('invite: moderator and up; members cannot; existing members conflict; banned users cannot be invited', async () => {
      const room = await staffedRoom();
      assert.equal(await mel.fail('room.invite', { room, user: 'otto' }), ErrorCode.Forbidden);
      const { member } = await mona.request('room.invite', { room, user: 'otto' });
      assert.equal(member?.role, 'member');
      await otto.waitFor((f) => f.type === 'room.added' && f.room.id === room);
      assert.equal(await adam.fail('room.invite', { room, user: 'otto' }), ErrorCode.Conflict);
      await mona.request('room.ban', { room, user: 'otto' });
      assert.equal(await olivia.fail('room.invite', { room, user: 'otto' }), ErrorCode.Banned);
      assert.deepEqual(await systemEvents(olivia, room), ['created', 'invited', 'banned']);
    });

    it('kick: moderator and up, on strictly lower roles only', async () => {
      const room = await staffedRoom();
      assert.equal(await mel.fail('room.kick', { room, user: 'mona' }), ErrorCode.Forbidden);
      assert.equal(await mona.fail('room.kick', { room, user: 'adam' }), ErrorCode.Forbidden);
      assert.equal(await adam.fail('room.kick', { room, user: 'olivia' }), ErrorCode.Forbidden);
      assert.equal(await adam.fail('room.kick', { room, user: 'adam' }), ErrorCode.Forbidden);
      assert.equal(await mona.fail('room.kick', { room, user: 'otto' }), ErrorCode.NotFound);

      await mona.request('room.kick', { room, user: 'mel' });
      const removed = await mel.waitFor((f) => f.type === 'room.removed' && f.room === room);
      assert.equal(removed.type === 'room.removed' && removed.reason, 'kicked');
      assert.equal(await mel.fail('message.send', { room, clientId: cid(), text: 'still here?' }), ErrorCode.NotFound);

      await adam.request('room.kick', { room, user: 'mona' });
      await olivia.request('room.kick', { room, user: 'adam' });
      const { members } = await olivia.request('room.members', { room });
      assert.deepEqual(members.map((m) => m.user), ['olivia']);
      assert.deepEqual(await systemEvents(olivia, room), ['created', 'kicked', 'kicked', 'kicked']);
    });

    it('ban: removes the member, blocks re-joining public rooms, and respects rank; unban lets them back', async () => {
      const room = await staffedRoom('public');
      assert.equal(await mel.fail('room.ban', { room, user: 'otto' }), ErrorCode.Forbidden);
      assert.equal(await mona.fail('room.ban', { room, user: 'adam' }), ErrorCode.Forbidden);
      assert.equal(await adam.fail('room.ban', { room, user: 'olivia' }), ErrorCode.Forbidden);
      assert.equal(await mona.fail('room.ban', { room, user: 'mona' }), ErrorCode.Forbidden);

      await mona.request('room.ban', { room, user: 'mel' });
      const removed = await mel.waitFor((f) => f.type === 'room.removed' && f.room === room);
      assert.equal(removed.type === 'room.removed' && removed.reason, 'banned');
      assert.equal(await mel.fail('room.join', { room }), ErrorCode.Banned);

      // A pre-emptive ban of someone who never joined.
      await mona.request('room.ban', { room, user: 'otto' });
      assert.equal(await otto.fail('room.join', { room }), ErrorCode.Banned);

      assert.equal(await mel.fail('room.unban', { room, user: 'mel' }), ErrorCode.NotMember);
      await mona.request('room.unban', { room, user: 'mel' });
      await mel.request('room.join', { room });
      assert.equal(await roleOf(room, 'mel'), 'member');
    });

    it('mute: muted members cannot send, edit or react until unmuted; rank applies', async () => {
      const room = await staffedRoom();
      const mine = await send(mel, room, 'before mute');
      assert.equal(await mel.fail('room.mute', { room, user: 'mona' }), ErrorCode.Forbidden);
      assert.equal(await mona.fail('room.mute', { room, user: 'adam' }), ErrorCode.Forbidden);
      const { member } = await mona.request('room.mute', { room, user: 'mel', durationMs: 3_600_000 });
      assert.ok(member.mutedUntil !== null && member.mutedUntil > Date.now());
      await mel.waitFor((f) => f.type === 'member' && f.room === room && f.change === 'updated' && f.member.mutedUntil !== null);
      assert.equal(await mel.fail('message.send', { room, clientId: cid(), text: 'muted?' }), ErrorCode.Muted);
      assert.equal(await mel.fail('message.edit', { messageId: mine.id, clientId: cid(), text: 'edited' }), ErrorCode.Muted);
      assert.equal(await mel.fail('message.react', { messageId: mine.id, clientId: cid(), emoji: '👍', on: true }), ErrorCode.Muted);
      assert.equal(await mel.fail('room.unmute', { room, user: 'mel' }), ErrorCode.Forbidden);
      const { member: unmuted } = await mona.request('room.unmute', { room, user: 'mel' });
      assert.equal(unmuted.mutedUntil, null);
      await send(mel, room, 'free again');

      const { member: forever } = await adam.request('room.mute', { room, user: 'mona' });
      assert.ok(forever.mutedUntil !== null && forever.mutedUntil > Date.now() + 365 * 24 * 3_600_000);
    });

    it('setRole: the owner gives any role, admins only roles below admin to those below them', async () => {
      const room = await staffedRoom();
      assert.equal(await mel.fail('room.setRole', { room, user: 'mel', role: 'admin' }), ErrorCode.Forbidden);
      assert.equal(await mona.fail('room.setRole', { room, user: 'mel', role: 'moderator' }), ErrorCode.Forbidden);
      assert.equal(await adam.fail('room.setRole', { room, user: 'mel', role: 'admin' }), ErrorCode.Forbidden);
      assert.equal(await adam.fail('room.setRole', { room, user: 'olivia', role: 'member' }), ErrorCode.Forbidden);
      const { member } = await adam.request('room.setRole', { room, user: 'mel', role: 'moderator' });
      assert.equal(member.role, 'moderator');
      await adam.request('room.setRole', { room, user: 'mona', role: 'member' });
      assert.equal(await roleOf(room, 'mona'), 'member');
      await olivia.request('room.setRole', { room, user: 'mel', role: 'admin' });
      assert.equal(await adam.fail('room.setRole', { room, user: 'mel', role: 'member' }), ErrorCode.Forbidden);
      await olivia.request('room.setRole', { room, user: 'adam', role: 'member' });
      assert.equal(await roleOf(room, 'adam'), 'member');
      assert.equal(await olivia.fail('room.setRole', { room, user: 'otto', role: 'member' }), ErrorCode.NotFound);
      // 'owner' is not a role one can give: the schema refuses it.
      const id = olivia.sendWithId({ type: 'room.setRole', room, user: 'mel', role: 'owner' });
      const answer = await olivia.answerTo(id);
      assert.equal(answer.type === 'error' && answer.code, ErrorCode.BadRequest);
    });

    it('update: owner and admin rename (system message + room.updated to members); others cannot', async () => {
      const room = await staffedRoom();
      assert.equal(await mona.fail('room.update', { room, name: 'Nope' }), ErrorCode.Forbidden);
      assert.equal(await mel.fail('room.update', { room, topic: 'Nope' }), ErrorCode.Forbidden);
      const { room: info } = await adam.request('room.update', { room, name: 'Renamed', topic: 'New topic' });
      assert.equal(info.name, 'Renamed');
      assert.equal(info.topic, 'New topic');
      const updated = await mel.waitFor((f) => f.type === 'room.updated' && f.room.id === room && f.room.name === 'Renamed');
      assert.equal(updated.type === 'room.updated' && updated.room.role, 'member');
      const renamed = await mel.waitForMessage((m) => m.room === room && m.system?.event === 'renamed');
      assert.equal(renamed.system?.name, 'Renamed');
      await olivia.request('room.update', { room, retention: { maxAgeMs: null, maxMessages: 1000 } });
      const { room: after } = await mel.request('room.get', { room });
      assert.deepEqual(after.retention, { maxAgeMs: null, maxMessages: 1000 });
    });

    it('leave: members leave with a system message; the owner hands over to the strongest, longest-standing member', async () => {
      const room = await createRoom(olivia, ['mel', 'mona', 'adam']);
      await olivia.request('room.setRole', { room, user: 'mona', role: 'moderator' });
      await mel.request('room.leave', { room });
      const removed = await mel.waitFor((f) => f.type === 'room.removed' && f.room === room);
      assert.equal(removed.type === 'room.removed' && removed.reason, 'left');
      assert.equal(await mel.fail('room.members', { room }), ErrorCode.NotFound);

      // Mona (moderator) outranks adam (member, joined at the same time as her).
      await olivia.request('room.leave', { room });
      await mona.waitFor((f) => f.type === 'member' && f.room === room && f.member.user === 'mona' && f.member.role === 'owner');
      const { members } = await mona.request('room.members', { room });
      assert.deepEqual(
        members.map((m) => [m.user, m.role]).sort(),
        [
          ['adam', 'member'],
          ['mona', 'owner'],
        ],
      );
      assert.deepEqual(await systemEvents(mona, room), ['created', 'left', 'left']);

      // With only members left, the longest-standing one inherits.
      const room2 = await createRoom(olivia, ['adam']);
      await new Promise((resolve) => setTimeout(resolve, 5)); // distinct joinedAt
      await olivia.request('room.invite', { room: room2, user: 'mel' });
      await olivia.request('room.leave', { room: room2 });
      const { members: m2 } = await adam.request('room.members', { room: room2 });
      assert.equal(m2.find((m) => m.user === 'adam')?.role, 'owner');
      assert.equal(m2.find((m) => m.user === 'mel')?.role, 'member');
    });

    it('moderators may delete any message, members only their own', async () => {
      const room = await staffedRoom();
      const olivias = await send(olivia, room, 'from the owner');
      const mels = await send(mel, room, 'from a member');
      assert.equal(await mel.fail('message.delete', { messageId: olivias.id, clientId: cid() }), ErrorCode.Forbidden);
      const { message } = await mona.request('message.delete', { messageId: mels.id, clientId: cid() });
      assert.ok(message.deletedAt !== null);
      const { message: own } = await olivia.request('message.delete', { messageId: olivias.id, clientId: cid() });
      assert.ok(own.deletedAt !== null);
    });
  });

  describe('subscriptions', () => {
    it('an invited user receives the room at once; a kicked one stops receiving it', async () => {
      const room = await createRoom(olivia, []);
      const control = await createRoom(olivia, ['otto']);
      await olivia.request('room.invite', { room, user: 'otto' });
      await otto.waitFor((f) => f.type === 'room.added' && f.room.id === room);
      const live = await send(olivia, room, 'live after invite');
      await otto.waitForMessage((m) => m.id === live.id);

      await olivia.request('room.kick', { room, user: 'otto' });
      await otto.waitFor((f) => f.type === 'room.removed' && f.room === room);
      const hidden = await send(olivia, room, 'after the kick');
      const marker = await send(olivia, control, 'marker');
      await otto.waitForMessage((m) => m.id === marker.id);
      assert.equal(otto.events('message').some((f) => f.message.id === hidden.id), false);
    });

    it('room.added reaches every connection of the user', async () => {
      const second = await ts.connect('otto');
      const room = await createRoom(olivia, ['otto']);
      await otto.waitFor((f) => f.type === 'room.added' && f.room.id === room);
      await second.waitFor((f) => f.type === 'room.added' && f.room.id === room);
      const msg = await send(olivia, room, 'to both devices');
      await second.waitForMessage((m: Message) => m.id === msg.id);
      await second.close();
    });

    it('rooms.list shows role, unread and the total', async () => {
      const room = await createRoom(olivia, ['otto']);
      await send(olivia, room, 'one');
      await send(olivia, room, 'two');
      const { rooms, unreadTotal } = await otto.request('rooms.list', {});
      const info = rooms.find((r: RoomInfo) => r.id === room);
      assert.equal(info?.unread, 2);
      assert.equal(info?.role, 'member');
      assert.ok(unreadTotal >= 2);
      assert.equal(unreadTotal, rooms.reduce((sum, r) => sum + r.unread, 0));
    });
  });
});

describe('policy table', () => {
  it('matches the documented rules row by row', () => {
    const rows: Array<[Parameters<typeof can>[0], Parameters<typeof can>[1], boolean]> = [
      ['post', { kind: 'group', actor: 'member' }, true],
      ['post', { kind: 'broadcast', actor: 'member' }, false],
      ['post', { kind: 'broadcast', actor: 'moderator' }, true],
      ['react', { kind: 'broadcast', actor: 'member' }, true],
      ['invite', { kind: 'group', actor: 'member' }, false],
      ['invite', { kind: 'group', actor: 'moderator' }, true],
      ['invite', { kind: 'direct', actor: 'owner' }, false],
      ['kick', { kind: 'group', actor: 'moderator', target: 'member' }, true],
      ['kick', { kind: 'group', actor: 'moderator', target: 'moderator' }, false],
      ['kick', { kind: 'group', actor: 'admin', target: 'owner' }, false],
      ['ban', { kind: 'public', actor: 'moderator', target: null }, true],
      ['mute', { kind: 'group', actor: 'admin', target: 'moderator' }, true],
      ['setRole', { kind: 'group', actor: 'owner', target: 'member', newRole: 'admin' }, true],
      ['setRole', { kind: 'group', actor: 'admin', target: 'member', newRole: 'admin' }, false],
      ['setRole', { kind: 'group', actor: 'admin', target: 'member', newRole: 'moderator' }, true],
      ['setRole', { kind: 'group', actor: 'moderator', target: 'member', newRole: 'member' }, false],
      ['update', { kind: 'group', actor: 'admin' }, true],
      ['update', { kind: 'group', actor: 'moderator' }, false],
      ['deleteAny', { kind: 'direct', actor: 'member' }, false],
      ['deleteAny', { kind: 'direct', actor: 'owner' }, false],
      ['deleteAny', { kind: 'public', actor: 'moderator' }, true],
      ['deleteAny', { kind: 'broadcast', actor: 'member' }, false],
      ['deleteAny', { kind: 'group', actor: 'moderator' }, true],
      ['leave', { kind: 'direct', actor: 'owner' }, false],
      ['leave', { kind: 'group', actor: 'member' }, true],
    ];
    for (const [action, query, expected] of rows) {
      assert.equal(can(action, query), expected, `${action} ${JSON.stringify(query)}`);
    }
  });
});
