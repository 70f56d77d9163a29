/**
 * Behaviour every `Storage` implementation must have, tested through the
 * interface only, so SQLite and PostgreSQL run the same suite:
 *
 *   storageConformance('SqliteStorage', async () => ({ storage, reopen, cleanup }));
 *
 * Each test gets a fresh, empty, opened store from `makeStorage`.
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { Message, Role, RoomKind } from '@parley/sdk/protocol';
import { StorageError, type StorageErrorCode } from '../src/storage/errors.js';
import type { AppendMessageInput, AppendResult, Storage, StoredRoom } from '../src/storage/storage.js';

/** A fresh store plus ways to restart it on the same data and to throw it away. */
export interface StorageHarness {
  /** The opened store. */
  storage: Storage;
  /** Closes the store and opens a new instance on the same data. */
  reopen(): Promise<Storage>;
  /** Closes whatever is open and deletes the data. */
  cleanup(): Promise<void>;
}

/** Registers the conformance tests for one implementation. */
export function storageConformance(name: string, makeStorage: () => Promise<StorageHarness>): void {
  describe(`Storage conformance: ${name}`, () => {
    let harness: StorageHarness;
    let storage: Storage;
    let clock: number;
    let counter: number;

    beforeEach(async () => {
      harness = await makeStorage();
      storage = harness.storage;
      clock = 1_700_000_000_000;
      counter = 0;
    });

    afterEach(async () => {
      await harness.cleanup();
    });

    /** A strictly increasing "now" so every write has its own timestamp. */
    const now = (): number => (clock += 1_000);
    const nextId = (prefix: string): string => `${prefix}${++counter}`;

    async function reopen(): Promise<void> {
      storage = await harness.reopen();
    }

    async function createRoom(
      owner: string,
      others: string[] = [],
      options: { kind?: RoomKind; name?: string; id?: string; directKey?: string | null } = {},
    ): Promise<StoredRoom> {
      const members: Array<{ user: string; role: Role }> = [
        { user: owner, role: 'owner' },
        ...others.map((user) => ({ user, role: 'member' as Role })),
      ];
      return storage.createRoom({
        id: options.id ?? nextId('room-'),
        kind: options.kind ?? 'group',
        name: options.name ?? 'General',
        topic: '',
        createdBy: owner,
        now: now(),
        directKey: options.directKey ?? null,
        members,
      });
    }

    function sendInput(room: string, sender: string, text: string, extra: Partial<AppendMessageInput> = {}): AppendMessageInput {
      const n = ++counter;
      return {
        id: `msg-${n}`,
        room,
        sender,
        clientId: `client-${n}`,
        text,
        parentId: null,
        mentions: [],
        attachmentIds: [],
        flagged: false,
        now: now(),
        ...extra,
      };
    }

    async function send(
      room: string,
      sender: string,
      text: string,
      extra: Partial<AppendMessageInput> = {},
    ): Promise<Message> {
      return (await storage.appendMessage(sendInput(room, sender, text, extra))).message;
    }

    async function allHistory(room: string): Promise<Message[]> {
      return (await storage.history(room, null, 10_000)).messages;
    }

    async function rejectsWith(promise: Promise<unknown>, code: StorageErrorCode): Promise<void> {
      await assert.rejects(promise, (error: unknown) => {
        assert.ok(error instanceof StorageError, `expected a StorageError, got ${String(error)}`);
        assert.equal(error.code, code);
        return true;
      });
    }

    describe('rooms', () => {
      it('creates a room with its members and a "created" system message as seq 1', async () => {
        const room = await createRoom('alice', ['bob']);
        assert.equal(room.lastSeq, 1);
        assert.equal(room.rev, 1);
        assert.equal(room.floorSeq, 0);
        assert.equal(room.memberCount, 2);
        assert.deepEqual(room.retention, { maxAgeMs: null, maxMessages: null });
        const [created] = await allHistory(room.id);
        assert.equal(created.kind, 'system');
        assert.equal(created.seq, 1);
        assert.equal(created.clientId, null);
        assert.deepEqual(created.system, { event: 'created', actor: 'alice', target: null, name: null });
        assert.equal((await storage.getMember(room.id, 'alice'))?.role, 'owner');
        assert.equal((await storage.getMember(room.id, 'bob'))?.role, 'member');
        assert.deepEqual(await storage.getRoom(room.id), room);
        assert.equal(await storage.getRoom('no-such-room'), null);
      });

      it('refuses a second room with the same id', async () => {
        await createRoom('alice', [], { id: 'same' });
        await rejectsWith(createRoom('bob', [], { id: 'same' }), 'conflict');
        assert.equal((await storage.getRoom('same'))?.createdBy, 'alice');
      });

      it('keeps one direct room per pair, even when both users create it at once', async () => {
        const key = 'alice\nbob';
        const attempts = await Promise.allSettled([
          createRoom('alice', ['bob'], { kind: 'direct', directKey: key }),
          createRoom('bob', ['alice'], { kind: 'direct', directKey: key }),
        ]);
        const created = attempts.filter((a) => a.status === 'fulfilled');
        const refused = attempts.filter((a) => a.status === 'rejected');
        assert.equal(created.length, 1);
        assert.equal(refused.length, 1);
        assert.ok(refused[0].reason instanceof StorageError && refused[0].reason.code === 'conflict');
        const found = await storage.findDirectRoom(key);
        assert.equal(found?.id, created[0].value.id);
        assert.equal(found?.directKey, key);
        assert.equal(await storage.findDirectRoom('alice\ncarol'), null);
      });

      it('renames with a "renamed" system message; topic and retention change silently', async () => {
        const room = await createRoom('alice');
        const renamed = await storage.updateRoom(room.id, { name: 'Design' }, 'alice', now());
        assert.equal(renamed.name, 'Design');
        assert.equal(renamed.systemMessage?.seq, 2);
        assert.deepEqual(renamed.systemMessage?.system, { event: 'renamed', actor: 'alice', target: null, name: 'Design' });
        assert.equal(renamed.lastSeq, 2);

        const retopic = await storage.updateRoom(
          room.id,
          { topic: 'Pixels', retention: { maxAgeMs: 60_000, maxMessages: 100 } },
          'alice',
          now(),
        );
        assert.equal(retopic.systemMessage, null);
        assert.equal(retopic.topic, 'Pixels');
        assert.equal(retopic.name, 'Design');
        assert.deepEqual(retopic.retention, { maxAgeMs: 60_000, maxMessages: 100 });
        assert.equal(retopic.lastSeq, 2);

        const same = await storage.updateRoom(room.id, { name: 'Design' }, 'alice', now());
        assert.equal(same.systemMessage, null, 'renaming to the same name records nothing');
        await rejectsWith(storage.updateRoom('missing', { name: 'x' }, 'alice', now()), 'not_found');
      });

      it('discovers public rooms by name, case-insensitively, most recently active first', async () => {
        const older = await createRoom('alice', [], { kind: 'public', name: 'Chess Club' });
        const newer = await createRoom('alice', [], { kind: 'public', name: 'CHESS variants' });
        await createRoom('alice', [], { kind: 'group', name: 'Chess (private)' });
        await createRoom('alice', [], { kind: 'public', name: 'Gardening' });
        assert.deepEqual(
          (await storage.discoverRooms('chess', 10)).map((r) => r.id),
          [newer.id, older.id],
        );
        await send(older.id, 'alice', 'activity');
        assert.deepEqual(
          (await storage.discoverRooms('CHESS', 10)).map((r) => r.id),
          [older.id, newer.id],
        );
        assert.equal((await storage.discoverRooms('', 10)).length, 3);
        assert.equal((await storage.discoverRooms('', 2)).length, 2);
        assert.deepEqual(await storage.discoverRooms('%', 10), [], 'LIKE wildcards are plain text');
      });
    });

    describe('members, users, bans and blocks', () => {
      it('adds, updates and removes members with system messages that take seqs', async () => {
        const room = await createRoom('alice');
        await send(room.id, 'alice', 'before bob');
        const joined = await storage.addMember(room.id, 'bob', 'member', now(), {
          event: 'joined',
          actor: 'bob',
        });
        assert.equal(joined.systemMessage?.seq, 3);
        assert.deepEqual(joined.systemMessage?.system, { event: 'joined', actor: 'bob', target: null, name: null });
        assert.equal(joined.role, 'member');
        assert.equal(joined.readSeq, 3, 'a newcomer starts with the history read');
        assert.equal(await storage.unreadCount(room.id, 'bob'), 0);
        assert.equal((await storage.getRoom(room.id))?.memberCount, 2);

        await rejectsWith(storage.addMember(room.id, 'bob', 'member', now(), null), 'conflict');
        await rejectsWith(storage.addMember('missing', 'bob', 'member', now(), null), 'not_found');

        const invited = await storage.addMember(room.id, 'carol', 'member', now(), null);
        assert.equal(invited.systemMessage, null);
        assert.equal((await storage.getRoom(room.id))?.lastSeq, 3, 'no system message, no seq');

        const muted = await storage.updateMember(room.id, 'bob', { role: 'moderator', mutedUntil: clock + 60_000 });
        assert.equal(muted.role, 'moderator');
        assert.equal(muted.mutedUntil, clock + 60_000);
        const unmuted = await storage.updateMember(room.id, 'bob', { mutedUntil: null });
        assert.equal(unmuted.role, 'moderator', 'an absent field is left alone');
        assert.equal(unmuted.mutedUntil, null);
        await rejectsWith(storage.updateMember(room.id, 'dave', { role: 'admin' }), 'not_found');

        const kicked = await storage.removeMember(room.id, 'bob', now(), {
          event: 'kicked',
          actor: 'alice',
          target: 'bob',
        });
        assert.equal(kicked.systemMessage?.seq, 4);
        assert.deepEqual(kicked.systemMessage?.system, { event: 'kicked', actor: 'alice', target: 'bob', name: null });
        assert.equal(await storage.getMember(room.id, 'bob'), null);
        assert.equal((await storage.getRoom(room.id))?.memberCount, 2);
        await rejectsWith(storage.removeMember(room.id, 'bob', now(), null), 'not_found');

        assert.deepEqual(
          (await allHistory(room.id)).map((m) => [m.seq, m.kind, m.system?.event ?? m.text]),
          [
            [1, 'system', 'created'],
            [2, 'user', 'before bob'],
            [3, 'system', 'joined'],
            [4, 'system', 'kicked'],
          ],
        );
      });

      it('lists members with their names, a user\'s rooms, and contacts', async () => {
        await storage.upsertUser({ id: 'alice', name: 'Alice' });
        await storage.upsertUser({ id: 'bob', name: 'Bob' });
        await storage.upsertUser({ id: 'bob', name: 'Robert' });
        const one = await createRoom('alice', ['bob']);
        const two = await createRoom('carol', ['alice']);
        await createRoom('dave', ['erin']);

        const members = await storage.listMembers(one.id);
        assert.deepEqual(
          members.map((m) => [m.user, m.name, m.role]).sort(),
          [
            ['alice', 'Alice', 'owner'],
            ['bob', 'Robert', 'member'],
          ],
        );
        assert.equal((await storage.getMember(two.id, 'carol'))?.name, 'carol', 'unknown users are named by id');

        const rooms = await storage.listUserRooms('alice');
        assert.deepEqual(rooms.map((r) => r.room.id).sort(), [one.id, two.id].sort());
        const inTwo = rooms.find((r) => r.room.id === two.id);
        assert.equal(inTwo?.member.role, 'member');
        assert.equal(inTwo?.member.user, 'alice');
        assert.equal(inTwo?.room.createdBy, 'carol');
        assert.deepEqual(await storage.listUserRooms('nobody'), []);

        assert.deepEqual((await storage.listContacts('alice')).sort(), ['bob', 'carol']);
        assert.deepEqual(await storage.listContacts('erin'), ['dave']);

        assert.deepEqual(
          (await storage.getUsers(['bob', 'alice', 'nobody'])).sort((a, b) => a.id.localeCompare(b.id)),
          [
            { id: 'alice', name: 'Alice' },
            { id: 'bob', name: 'Robert' },
          ],
        );
        assert.deepEqual(await storage.getUsers([]), []);
      });

      it('saves user profiles (avatar, custom data) that a reconnect keeps', async () => {
        assert.equal(await storage.getUserProfile('ivy'), null);
        const data = { plan: 'pro', tags: ['a', 'b'], nested: { n: 1, ok: true, none: null } };
        await storage.saveUserProfile({ id: 'ivy', name: 'Ivy', avatarUrl: 'https://example.com/ivy.png', data });
        assert.deepEqual(await storage.getUserProfile('ivy'), { id: 'ivy', name: 'Ivy', avatarUrl: 'https://example.com/ivy.png', data });
        // A connection refreshes the display name only; the host's avatar and data stay.
        await storage.upsertUser({ id: 'ivy', name: 'Ivy B.' });
        assert.deepEqual(await storage.getUserProfile('ivy'), { id: 'ivy', name: 'Ivy B.', avatarUrl: 'https://example.com/ivy.png', data });
        await storage.saveUserProfile({ id: 'ivy', name: 'Ivy', avatarUrl: null, data: null });
        assert.deepEqual(await storage.getUserProfile('ivy'), { id: 'ivy', name: 'Ivy', avatarUrl: null, data: null });
        assert.deepEqual(await storage.getUsers(['ivy']), [{ id: 'ivy', name: 'Ivy' }]);
      });

      it('bans and unbans', async () => {
        const room = await createRoom('alice', ['bob']);
        assert.equal(await storage.isBanned(room.id, 'bob'), false);
        await storage.setBan(room.id, 'bob', true, 'alice', now());
        await storage.setBan(room.id, 'bob', true, 'alice', now());
        assert.equal(await storage.isBanned(room.id, 'bob'), true);
        assert.equal(await storage.isBanned(room.id, 'carol'), false);
        await storage.setBan(room.id, 'bob', false, 'alice', now());
        assert.equal(await storage.isBanned(room.id, 'bob'), false);
      });

      it('blocks in either direction', async () => {
        assert.equal(await storage.isBlockedEither('alice', 'bob'), false);
        await storage.setBlock('alice', 'bob', true, now());
        await storage.setBlock('alice', 'bob', true, now());
        assert.equal(await storage.isBlockedEither('alice', 'bob'), true);
        assert.equal(await storage.isBlockedEither('bob', 'alice'), true);
        assert.equal(await storage.isBlockedEither('alice', 'carol'), false);
        await storage.setBlock('alice', 'bob', false, now());
        assert.equal(await storage.isBlockedEither('bob', 'alice'), false);
      });

      it('tells which users share a room and have not blocked each other', async () => {
        await createRoom('vera', ['walt', 'xena']);
        await createRoom('yuri', []);
        assert.deepEqual((await storage.visiblePeers('vera', ['walt', 'xena', 'yuri', 'zoe'])).sort(), ['walt', 'xena']);
        await storage.setBlock('xena', 'vera', true, now());
        assert.deepEqual(await storage.visiblePeers('vera', ['walt', 'xena']), ['walt']);
        assert.deepEqual(await storage.visiblePeers('xena', ['vera', 'walt']), ['walt']);
        assert.deepEqual(await storage.visiblePeers('vera', []), []);
      });

      it('records invitations and turns one into a membership when accepted', async () => {
        const room = await createRoom('ivan', []);
        await storage.addInvitation({ room: room.id, user: 'jill', inviter: 'ivan', role: 'member', invitedAt: 1_000 });
        await rejectsWith(storage.addInvitation({ room: room.id, user: 'jill', inviter: 'ivan', role: 'member', invitedAt: 2_000 }), 'conflict');
        await rejectsWith(storage.addInvitation({ room: 'missing', user: 'jill', inviter: 'ivan', role: 'member', invitedAt: 2_000 }), 'not_found');
        await rejectsWith(storage.addInvitation({ room: room.id, user: 'ivan', inviter: 'ivan', role: 'member', invitedAt: 2_000 }), 'conflict');
        const second = await createRoom('ivan', []);
        await storage.addInvitation({ room: second.id, user: 'jill', inviter: 'ivan', role: 'moderator', invitedAt: 3_000 });
        assert.deepEqual((await storage.listInvitations('jill', 10)).map((i) => [i.room, i.role, i.invitedAt]), [
          [second.id, 'moderator', 3_000],
          [room.id, 'member', 1_000],
        ]);
        assert.equal((await storage.getInvitation(room.id, 'jill'))?.inviter, 'ivan');
        const member = await storage.acceptInvitation(second.id, 'jill', now());
        assert.equal(member.role, 'moderator');
        assert.deepEqual(member.systemMessage?.system, { event: 'joined', actor: 'jill', target: null, name: null });
        assert.equal((await storage.getRoom(second.id))?.memberCount, 2);
        await rejectsWith(storage.acceptInvitation(second.id, 'jill', now()), 'not_found');
        assert.equal(await storage.removeInvitation(room.id, 'jill'), true);
        assert.equal(await storage.removeInvitation(room.id, 'jill'), false);
        assert.deepEqual(await storage.listInvitations('jill', 10), []);
      });

      it('keeps the latest session revocation point per user', async () => {
        assert.equal(await storage.sessionsRevokedBefore('alice'), null);
        await storage.revokeSessions('alice', 2_000_000_000_000);
        assert.equal(await storage.sessionsRevokedBefore('alice'), 2_000_000_000_000);
        await storage.revokeSessions('alice', 1_000_000_000_000);
        assert.equal(await storage.sessionsRevokedBefore('alice'), 2_000_000_000_000, 'never moves back');
        await storage.revokeSessions('alice', 2_000_000_000_500);
        assert.equal(await storage.sessionsRevokedBefore('alice'), 2_000_000_000_500);
        assert.equal(await storage.sessionsRevokedBefore('bob'), null);
      });
    });

    describe('sending', () => {
      it('gives contiguous, unique seqs under many concurrent sends to several rooms', async () => {
        const rooms = await Promise.all([1, 2, 3, 4, 5].map(() => createRoom('alice', ['bob'])));
        const perRoom = 120;
        const pending: Array<Promise<AppendResult>> = [];
        // Waves across event-loop turns, so writes land in several transactions.
        for (let wave = 0; wave < 6; wave++) {
          for (let i = 0; i < perRoom / 6; i++) {
            for (const room of rooms) {
              pending.push(storage.appendMessage(sendInput(room.id, i % 2 ? 'alice' : 'bob', `w${wave} m${i}`)));
            }
          }
          await new Promise((resolve) => setImmediate(resolve));
        }
        const results = await Promise.all(pending);
        assert.equal(new Set(results.map((r) => r.message.id)).size, results.length);

        for (const room of rooms) {
          const acked = results.filter((r) => r.message.room === room.id).map((r) => r.message.seq);
          assert.deepEqual(
            [...acked].sort((a, b) => a - b),
            Array.from({ length: perRoom }, (_, i) => i + 2),
          );
          const stored = await allHistory(room.id);
          assert.deepEqual(
            stored.map((m) => m.seq),
            Array.from({ length: perRoom + 1 }, (_, i) => i + 1),
          );
          const revs = stored.map((m) => m.rev);
          assert.equal(new Set(revs).size, revs.length, 'every message has its own rev');
          const after = await storage.getRoom(room.id);
          assert.equal(after?.lastSeq, perRoom + 1);
          assert.equal(after?.rev, Math.max(...revs));
        }
      });

      it('stores text, mentions and the flag as sent', async () => {
        const room = await createRoom('alice', ['bob']);
        const text = 'Héllo @bob — <b>not html</b> 🎉\nsecond line';
        const result = await storage.appendMessage(
          sendInput(room.id, 'alice', text, { mentions: ['bob'], flagged: true }),
        );
        assert.equal(result.duplicate, false);
        assert.equal(result.parent, null);
        const sent = result.message;
        assert.equal(sent.text, text);
        assert.deepEqual(sent.mentions, ['bob']);
        assert.equal(sent.flagged, true);
        assert.equal(sent.kind, 'user');
        assert.equal(sent.system, null);
        assert.equal(sent.editedAt, null);
        assert.equal(sent.deletedAt, null);
        assert.deepEqual(sent.reactions, {});
        assert.deepEqual(sent.attachments, []);
        assert.deepEqual(await storage.getMessage(sent.id), sent);
        assert.equal(await storage.getMessage('missing'), null);
        await rejectsWith(send('missing-room', 'alice', 'hi'), 'not_found');
      });

      it('is idempotent by (sender, clientId): same message, no duplicate', async () => {
        const room = await createRoom('alice', ['bob']);
        const input = sendInput(room.id, 'alice', 'only once');
        const first = await storage.appendMessage(input);
        const again = await storage.appendMessage({ ...input, now: now(), text: 'changed on retry' });
        assert.equal(again.duplicate, true);
        assert.deepEqual(again.message, first.message);

        // Same client id from another user is another message.
        const bobs = await storage.appendMessage({ ...input, id: 'other-id', sender: 'bob' });
        assert.equal(bobs.duplicate, false);
        assert.equal(bobs.message.seq, first.message.seq + 1);

        // A retry racing the original.
        const racing = sendInput(room.id, 'bob', 'racing');
        const [a, b] = await Promise.all([storage.appendMessage(racing), storage.appendMessage(racing)]);
        assert.deepEqual([a.duplicate, b.duplicate].sort(), [false, true]);
        assert.equal(a.message.seq, b.message.seq);

        assert.deepEqual(
          (await allHistory(room.id)).map((m) => m.text),
          ['', 'only once', 'only once', 'racing'],
        );

        await reopen();
        const afterRestart = await storage.appendMessage({ ...input, now: now() });
        assert.equal(afterRestart.duplicate, true);
        assert.deepEqual(afterRestart.message, first.message);
        assert.equal((await storage.getRoom(room.id))?.lastSeq, 4);
      });

      it('refuses a client id reused for a different kind of operation', async () => {
        const room = await createRoom('alice');
        const sent = await send(room.id, 'alice', 'hello');
        await storage.changeMessage(sent.id, 'alice', 'key-1', { kind: 'edit', text: 'hi', mentions: [] }, now());
        await rejectsWith(send(room.id, 'alice', 'new', { clientId: 'key-1' }), 'conflict');
        await rejectsWith(
          storage.changeMessage(sent.id, 'alice', 'key-1', { kind: 'delete' }, now()),
          'conflict',
        );
        assert.equal((await storage.getMessage(sent.id))?.text, 'hi');
        assert.equal((await storage.getRoom(room.id))?.lastSeq, 2);
      });

      it('tells which operation a (user, clientId) pair was committed for', async () => {
        const room = await createRoom('alice', ['bob']);
        const sent = await send(room.id, 'alice', 'hello', { clientId: 'op-send' });
        await storage.changeMessage(sent.id, 'bob', 'op-react', { kind: 'react', emoji: '👍', on: true }, now());
        assert.deepEqual(await storage.clientOperation('alice', 'op-send'), { op: 'send', messageId: sent.id });
        assert.deepEqual(await storage.clientOperation('bob', 'op-react'), { op: 'react', messageId: sent.id });
        assert.equal(await storage.clientOperation('alice', 'op-react'), null, 'pairs are per user');
        assert.equal(await storage.clientOperation('bob', 'never-used'), null);
      });

      it('refuses a duplicate message id without consuming a seq', async () => {
        const room = await createRoom('alice');
        await send(room.id, 'alice', 'first', { id: 'fixed' });
        await rejectsWith(send(room.id, 'alice', 'second', { id: 'fixed' }), 'conflict');
        const next = await send(room.id, 'alice', 'third');
        assert.equal(next.seq, 3);
      });

      it('keeps seqs contiguous when writes in the same batch fail', async () => {
        const room = await createRoom('alice');
        const outcomes = await Promise.allSettled([
          send(room.id, 'alice', 'ok 1'),
          send(room.id, 'alice', 'bad parent', { parentId: 'missing' }),
          send(room.id, 'alice', 'ok 2'),
          send(room.id, 'alice', 'bad attachment', { attachmentIds: ['missing'] }),
          send(room.id, 'alice', 'ok 3'),
        ]);
        assert.deepEqual(
          outcomes.map((o) => o.status),
          ['fulfilled', 'rejected', 'fulfilled', 'rejected', 'fulfilled'],
        );
        for (const o of outcomes) {
          if (o.status === 'rejected') assert.ok(o.reason instanceof StorageError && o.reason.code === 'not_found');
        }
        assert.deepEqual(
          (await allHistory(room.id)).map((m) => [m.seq, m.text]),
          [
            [1, ''],
            [2, 'ok 1'],
            [3, 'ok 2'],
            [4, 'ok 3'],
          ],
        );
      });

      it('keeps everything acknowledged across a restart', async () => {
        const room = await createRoom('alice', ['bob']);
        const one = await send(room.id, 'alice', 'one', { mentions: ['bob'] });
        await send(room.id, 'bob', 'two');
        await storage.changeMessage(one.id, 'alice', 'e1', { kind: 'edit', text: 'one!', mentions: [] }, now());
        await storage.changeMessage(one.id, 'bob', 'r1', { kind: 'react', emoji: '👍', on: true }, now());
        await storage.setReceipt(room.id, 'bob', 3, 2);
        await storage.upsertUser({ id: 'bob', name: 'Bob' });
        await storage.setBan(room.id, 'mallory', true, 'alice', now());
        const before = {
          room: await storage.getRoom(room.id),
          history: await allHistory(room.id),
          member: await storage.getMember(room.id, 'bob'),
        };

        await reopen();
        assert.deepEqual(await storage.getRoom(room.id), before.room);
        assert.deepEqual(await allHistory(room.id), before.history);
        assert.deepEqual(await storage.getMember(room.id, 'bob'), before.member);
        assert.deepEqual(await storage.edits(one.id), [{ text: 'one', replacedAt: clock - 2_000 }]);
        assert.equal(await storage.isBanned(room.id, 'mallory'), true);
        assert.equal((await storage.search('bob', 'one', null, 10)).length, 1);
        const next = await send(room.id, 'alice', 'three');
        assert.equal(next.seq, 4);
        assert.ok(next.rev > before.room!.rev);
      });
    });

    describe('custom data on rooms', () => {
      it('stores data with a new room, changes and clears it with updateRoom, and lists it', async () => {
        const data = { project: 'apollo', budget: 12, tags: ['a'] };
        const room = await storage.createRoom({ id: nextId('data-'), kind: 'group', name: 'Data', topic: '', createdBy: 'alice', now: now(), directKey: null, members: [{ user: 'alice', role: 'owner' }], data });
        assert.deepEqual(room.data, data);
        assert.deepEqual((await storage.getRoom(room.id))?.data, data);
        const renamed = await storage.updateRoom(room.id, { name: 'Data 2' }, 'alice', now());
        assert.deepEqual(renamed.data, data, 'a patch without data keeps it');
        const changed = await storage.updateRoom(room.id, { data: { project: 'gemini' } }, 'alice', now());
        assert.deepEqual(changed.data, { project: 'gemini' });
        assert.deepEqual((await storage.listUserRooms('alice')).find((r) => r.room.id === room.id)?.room.data, { project: 'gemini' });
        const cleared = await storage.updateRoom(room.id, { data: null }, 'alice', now());
        assert.equal(cleared.data, null);
        const plain = await createRoom('alice');
        assert.equal((await storage.getRoom(plain.id))?.data ?? null, null);
      });
    });

    describe('custom data on messages', () => {
      it('stores data with a message, returns it in history, search and replies, and erases it on delete', async () => {
        const room = await createRoom('alice', ['bob']);
        const data = { card: 'booking', id: 4711, lines: [{ qty: 2, item: 'seat' }], note: null };
        const sent = await send(room.id, 'alice', 'booking confirmed', { data });
        assert.deepEqual(sent.data, data);
        const plain = await send(room.id, 'alice', 'no data here');
        assert.equal('data' in plain, false, 'a message without data has no data field');
        const reply = await send(room.id, 'bob', 'thanks', { parentId: sent.id, data: { ok: true } });
        assert.deepEqual(reply.data, { ok: true });
        const history = await allHistory(room.id);
        assert.deepEqual(history.find((m) => m.id === sent.id)?.data, data);
        assert.equal('data' in (history.find((m) => m.id === plain.id) ?? {}), false);
        assert.deepEqual((await storage.getMessage(sent.id))?.data, data);
        const found = await storage.search('bob', 'booking', null, 10);
        assert.deepEqual(found.map((m) => m.data), [data]);
        const again = await storage.appendMessage(sendInput(room.id, 'alice', 'booking confirmed', { id: sent.id, clientId: sent.clientId ?? '', data }));
        assert.equal(again.duplicate, true);
        assert.deepEqual(again.message.data, data);

        const { message: tombstone } = await storage.changeMessage(sent.id, 'alice', 'del-data', { kind: 'delete' }, now());
        assert.equal('data' in tombstone, false, 'a delete erases the data');
        assert.equal('data' in ((await storage.getMessage(sent.id)) ?? {}), false);
      });
    });

    describe('history and threads', () => {
      it('pages backwards from the end and from any point, oldest first', async () => {
        const room = await createRoom('alice');
        for (let i = 1; i <= 11; i++) await send(room.id, 'alice', `m${i}`);
        const last = await storage.history(room.id, null, 4);
        assert.deepEqual(last.messages.map((m) => m.seq), [9, 10, 11, 12]);
        assert.equal(last.hasMore, true);

        const seen: number[] = [];
        let before: number | null = null;
        for (let page = 0; page < 10; page++) {
          const result: { messages: Message[]; hasMore: boolean } = await storage.history(room.id, before, 5);
          seen.unshift(...result.messages.map((m) => m.seq));
          if (!result.hasMore) break;
          before = result.messages[0].seq;
        }
        assert.deepEqual(seen, Array.from({ length: 12 }, (_, i) => i + 1));

        const exact = await storage.history(room.id, 4, 3);
        assert.deepEqual(exact.messages.map((m) => m.seq), [1, 2, 3]);
        assert.equal(exact.hasMore, false);
      });

      it('replies bump the parent\'s reply count and rev in the same write', async () => {
        const room = await createRoom('alice', ['bob']);
        const parent = await send(room.id, 'alice', 'question');
        const first = await storage.appendMessage(sendInput(room.id, 'bob', 'answer', { parentId: parent.id }));
        assert.equal(first.message.parentId, parent.id);
        assert.equal(first.parent?.id, parent.id);
        assert.equal(first.parent?.replyCount, 1);
        assert.ok(first.parent!.rev > parent.rev);
        assert.notEqual(first.parent?.rev, first.message.rev);
        assert.deepEqual(await storage.getMessage(parent.id), first.parent);
        assert.equal((await storage.getRoom(room.id))?.rev, Math.max(first.parent!.rev, first.message.rev));

        const input = sendInput(room.id, 'alice', 'follow-up', { parentId: parent.id });
        const second = await storage.appendMessage(input);
        assert.equal(second.parent?.replyCount, 2);
        const retried = await storage.appendMessage(input);
        assert.equal(retried.duplicate, true);
        assert.equal(retried.parent, null);
        assert.equal((await storage.getMessage(parent.id))?.replyCount, 2, 'a retry does not count twice');

        const other = await createRoom('carol');
        await rejectsWith(send(other.id, 'carol', 'cross-room', { parentId: parent.id }), 'not_found');
        await rejectsWith(send(room.id, 'bob', 'orphan', { parentId: 'missing' }), 'not_found');

        for (let i = 0; i < 3; i++) await send(room.id, 'bob', `more ${i}`, { parentId: parent.id });
        await send(room.id, 'bob', 'not in the thread');
        const page1 = await storage.thread(parent.id, 0, 3);
        assert.deepEqual(page1.replies.map((m) => m.text), ['answer', 'follow-up', 'more 0']);
        assert.equal(page1.hasMore, true);
        const page2 = await storage.thread(parent.id, page1.replies[2].seq, 3);
        assert.deepEqual(page2.replies.map((m) => m.text), ['more 1', 'more 2']);
        assert.equal(page2.hasMore, false);
        assert.equal((await storage.getMessage(parent.id))?.replyCount, 5);
      });
    });

    describe('changing messages', () => {
      it('edits keep the earlier versions, oldest first', async () => {
        const room = await createRoom('alice', ['bob']);
        const sent = await send(room.id, 'alice', 'v1');
        const t1 = now();
        const edit1 = await storage.changeMessage(sent.id, 'alice', 'e1', { kind: 'edit', text: 'v2', mentions: ['bob'] }, t1);
        assert.equal(edit1.duplicate, false);
        assert.equal(edit1.message.text, 'v2');
        assert.deepEqual(edit1.message.mentions, ['bob']);
        assert.equal(edit1.message.editedAt, t1);
        assert.equal(edit1.message.seq, sent.seq);
        assert.ok(edit1.message.rev > sent.rev);
        const t2 = now();
        const edit2 = await storage.changeMessage(sent.id, 'alice', 'e2', { kind: 'edit', text: 'v3', mentions: [] }, t2);
        assert.ok(edit2.message.rev > edit1.message.rev);
        assert.deepEqual(edit2.message.mentions, []);

        const retried = await storage.changeMessage(sent.id, 'alice', 'e1', { kind: 'edit', text: 'v2', mentions: [] }, now());
        assert.equal(retried.duplicate, true);
        assert.equal(retried.message.text, 'v3', 'a retry answers with the current message');
        assert.equal(retried.message.rev, edit2.message.rev);

        assert.deepEqual(await storage.edits(sent.id), [
          { text: 'v1', replacedAt: t1 },
          { text: 'v2', replacedAt: t2 },
        ]);
        assert.deepEqual(await storage.edits('missing'), []);
        await rejectsWith(
          storage.changeMessage('missing', 'alice', 'e3', { kind: 'edit', text: 'x', mentions: [] }, now()),
          'not_found',
        );
        const [created] = await allHistory(room.id);
        await rejectsWith(
          storage.changeMessage(created.id, 'alice', 'e4', { kind: 'edit', text: 'x', mentions: [] }, now()),
          'conflict',
        );
      });

      it('soft delete leaves a tombstone in place and drops its content', async () => {
        const room = await createRoom('alice', ['bob']);
        await storage.createAttachment({
          id: 'att-1',
          room: room.id,
          uploader: 'alice',
          name: 'a.png',
          type: 'image/png',
          size: 3,
          createdAt: now(),
          messageId: null,
          blobKey: 'blob-1',
        });
        const sent = await send(room.id, 'alice', 'secret plans', { mentions: ['bob'], attachmentIds: ['att-1'] });
        await storage.changeMessage(sent.id, 'bob', 'r1', { kind: 'react', emoji: '👀', on: true }, now());
        await storage.changeMessage(sent.id, 'alice', 'e1', { kind: 'edit', text: 'secret plans v2', mentions: [] }, now());
        const after = await send(room.id, 'bob', 'after');

        const deletedAt = now();
        const deleted = await storage.changeMessage(sent.id, 'alice', 'd1', { kind: 'delete' }, deletedAt);
        const tomb = deleted.message;
        assert.equal(tomb.id, sent.id);
        assert.equal(tomb.seq, sent.seq);
        assert.equal(tomb.text, '');
        assert.equal(tomb.deletedAt, deletedAt);
        assert.deepEqual(tomb.mentions, []);
        assert.deepEqual(tomb.reactions, {});
        assert.deepEqual(tomb.attachments, []);
        assert.ok(tomb.rev > after.rev);
        assert.deepEqual(await storage.edits(sent.id), [], 'earlier versions go with the content');
        assert.deepEqual(
          (await allHistory(room.id)).map((m) => m.text),
          ['', '', 'after'],
        );
        assert.deepEqual(await storage.search('alice', 'secret', null, 10), []);

        const again = await storage.changeMessage(sent.id, 'bob', 'd2', { kind: 'delete' }, now());
        assert.equal(again.message.rev, tomb.rev, 'deleting a tombstone changes nothing');
        assert.equal(again.message.deletedAt, deletedAt);
        await rejectsWith(
          storage.changeMessage(sent.id, 'alice', 'e2', { kind: 'edit', text: 'back', mentions: [] }, now()),
          'conflict',
        );
        await rejectsWith(
          storage.changeMessage(sent.id, 'bob', 'r2', { kind: 'react', emoji: '👍', on: true }, now()),
          'conflict',
        );
        assert.equal(await storage.getAttachment('att-1'), null, 'its attachments go with it');
        assert.deepEqual(await storage.pendingBlobErasures(10), ['blob-1'], 'and their bytes are queued for erasure');
        await rejectsWith(send(room.id, 'alice', 'reuse', { attachmentIds: ['att-1'] }), 'not_found');
      });

      it('queues the bytes of erased attachments until they are reported gone, across a restart', async () => {
        const room = await createRoom('alice', ['bob']);
        const attach = (n: number) =>
          storage.createAttachment({
            id: `att-q${n}`,
            room: room.id,
            uploader: 'alice',
            name: `q${n}.png`,
            type: 'image/png',
            size: 1,
            createdAt: now(),
            messageId: null,
            blobKey: `blob-q${n}`,
          });
        await attach(1);
        await attach(2);
        await attach(3);
        const two = await send(room.id, 'alice', 'two files', { attachmentIds: ['att-q1', 'att-q2'] });
        const kept = await send(room.id, 'alice', 'kept file', { attachmentIds: ['att-q3'] });
        assert.deepEqual(await storage.pendingBlobErasures(10), [], 'nothing is queued before a delete');

        await storage.changeMessage(two.id, 'bob', 'dq1', { kind: 'delete' }, now());
        assert.deepEqual(await storage.pendingBlobErasures(10), ['blob-q1', 'blob-q2']);
        assert.deepEqual(await storage.pendingBlobErasures(1), ['blob-q1'], 'limit bounds the answer');
        await reopen();
        assert.deepEqual(await storage.pendingBlobErasures(10), ['blob-q1', 'blob-q2'], 'the queue is durable');

        await storage.completeBlobErasures(['blob-q1']);
        assert.deepEqual(await storage.pendingBlobErasures(10), ['blob-q2']);
        await storage.completeBlobErasures(['blob-q2', 'blob-unknown']);
        await storage.completeBlobErasures([]);
        assert.deepEqual(await storage.pendingBlobErasures(10), []);
        assert.equal((await storage.getAttachment('att-q3'))?.messageId, kept.id, 'other messages keep theirs');
      });

      it('reactions: one per user and emoji, toggled idempotently, in reaction order', async () => {
        const room = await createRoom('alice', ['bob', 'carol']);
        const sent = await send(room.id, 'alice', 'react to me');
        const react = (user: string, key: string, emoji: string, on: boolean) =>
          storage.changeMessage(sent.id, user, key, { kind: 'react', emoji, on }, now());

        const bobUp = await react('bob', 'k1', '👍', true);
        assert.deepEqual(bobUp.message.reactions, { '👍': ['bob'] });
        assert.ok(bobUp.message.rev > sent.rev);

        const twice = await react('bob', 'k2', '👍', true);
        assert.equal(twice.duplicate, false);
        assert.equal(twice.message.rev, bobUp.message.rev, 'no change, no new rev');
        assert.deepEqual(twice.message.reactions, { '👍': ['bob'] });

        await react('carol', 'k3', '🎉', true);
        await react('alice', 'k4', '👍', true);
        const proto = await react('carol', 'k5', '__proto__', true);
        assert.deepEqual(proto.message.reactions, { '👍': ['bob', 'alice'], '🎉': ['carol'], ['__proto__']: ['carol'] });
        assert.deepEqual(Object.keys(proto.message.reactions), ['👍', '🎉', '__proto__']);

        const retried = await react('bob', 'k1', '👍', true);
        assert.equal(retried.duplicate, true);

        const off = await react('bob', 'k6', '👍', false);
        assert.deepEqual(off.message.reactions['👍'], ['alice']);
        assert.ok(off.message.rev > proto.message.rev);
        const offAgain = await react('bob', 'k7', '👍', false);
        assert.equal(offAgain.message.rev, off.message.rev);

        await react('alice', 'k8', '👍', false);
        const final = await storage.getMessage(sent.id);
        assert.deepEqual(final?.reactions, { '🎉': ['carol'], ['__proto__']: ['carol'] });
        const inHistory = (await allHistory(room.id)).find((m) => m.id === sent.id);
        assert.deepEqual(inHistory?.reactions, final?.reactions);
      });
    });

    describe('resume', () => {
      it('changesSince pages return every change exactly once, in rev order', async () => {
        const room = await createRoom('alice', ['bob']);
        const sent: Message[] = [];
        for (let i = 0; i < 8; i++) sent.push(await send(room.id, i % 2 ? 'bob' : 'alice', `m${i}`));
        const cursor = (await storage.getRoom(room.id))!.rev;

        await storage.changeMessage(sent[1].id, 'bob', 'e1', { kind: 'edit', text: 'm1 edited', mentions: [] }, now());
        await storage.changeMessage(sent[2].id, 'bob', 'r1', { kind: 'react', emoji: '❤️', on: true }, now());
        await storage.changeMessage(sent[1].id, 'alice', 'r2', { kind: 'react', emoji: '❤️', on: true }, now());
        await storage.changeMessage(sent[4].id, 'alice', 'd1', { kind: 'delete' }, now());
        await send(room.id, 'bob', 'reply', { parentId: sent[0].id });
        await send(room.id, 'alice', 'new');
        await storage.addMember(room.id, 'carol', 'member', now(), { event: 'joined', actor: 'carol' });

        async function collect(since: number, pageSize: number): Promise<Message[]> {
          const out: Message[] = [];
          let rev = since;
          for (let page = 0; page < 100; page++) {
            const result = await storage.changesSince(room.id, rev, pageSize);
            out.push(...result.messages);
            if (!result.more) return out;
            assert.ok(result.messages.length > 0);
            rev = result.messages[result.messages.length - 1].rev;
          }
          assert.fail('paging did not end');
        }

        const changes = await collect(cursor, 2);
        const revs = changes.map((m) => m.rev);
        assert.deepEqual(revs, [...revs].sort((a, b) => a - b));
        assert.ok(revs.every((r) => r > cursor));
        assert.equal(new Set(changes.map((m) => m.id)).size, changes.length, 'each message once');
        assert.deepEqual(
          changes.map((m) => m.text || m.system?.event || '(deleted)'),
          ['m2', 'm1 edited', '(deleted)', 'reply', 'm0', 'new', 'joined'],
        );
        for (const m of changes) assert.deepEqual(m, await storage.getMessage(m.id), 'pages show current state');

        const everything = await collect(0, 3);
        assert.equal(everything.length, 12, 'created + 8 sent + reply + new + joined');
        assert.equal(everything[everything.length - 1].rev, (await storage.getRoom(room.id))!.rev);
        assert.deepEqual((await storage.changesSince(room.id, (await storage.getRoom(room.id))!.rev, 10)).messages, []);
      });
    });

    describe('retention', () => {
      it('removes messages beyond the room\'s count and raises floorSeq', async () => {
        const room = await createRoom('alice', ['bob']);
        const kept = await createRoom('alice');
        for (let i = 1; i <= 10; i++) await send(room.id, 'alice', `old message ${i}`);
        for (let i = 1; i <= 3; i++) await send(kept.id, 'alice', `kept ${i}`);
        await storage.updateRoom(room.id, { retention: { maxAgeMs: null, maxMessages: 4 } }, 'alice', now());

        const changed = await storage.applyRetention(now());
        assert.deepEqual(
          changed.map((c) => [c.room, c.floorSeq]),
          [[room.id, 7]],
        );
        const after = await storage.getRoom(room.id);
        assert.equal(after?.floorSeq, 7);
        assert.equal(after?.lastSeq, 11);
        assert.deepEqual(
          (await allHistory(room.id)).map((m) => m.seq),
          [8, 9, 10, 11],
        );
        assert.ok((await storage.changesSince(room.id, 0, 100)).messages.every((m) => m.seq > 7));
        assert.deepEqual(
          (await storage.search('alice', 'old message', room.id, 100)).map((m) => m.seq).sort((a, b) => a - b),
          [8, 9, 10, 11],
        );
        assert.equal((await allHistory(kept.id)).length, 4, 'rooms without retention are untouched');
        assert.deepEqual(await storage.applyRetention(now()), [], 'nothing more to remove');

        const next = await send(room.id, 'bob', 'still counting');
        assert.equal(next.seq, 12);
      });

      it('removes messages older than the room\'s max age, including their attachments', async () => {
        const room = await createRoom('alice');
        await storage.createAttachment({
          id: 'att-old',
          room: room.id,
          uploader: 'alice',
          name: 'old.txt',
          type: 'text/plain',
          size: 1,
          createdAt: now(),
          messageId: null,
          blobKey: 'blob-old',
        });
        await send(room.id, 'alice', 'ancient', { attachmentIds: ['att-old'] });
        await send(room.id, 'alice', 'ancient too');
        clock += 3_600_000;
        const recent = await send(room.id, 'alice', 'recent');
        await storage.updateRoom(room.id, { retention: { maxAgeMs: 60_000, maxMessages: null } }, 'alice', now());

        const changed = await storage.applyRetention(now());
        assert.equal(changed.length, 1);
        assert.equal(changed[0].floorSeq, recent.seq - 1);
        assert.deepEqual(changed[0].blobKeys, ['blob-old']);
        assert.deepEqual(await storage.pendingBlobErasures(10), ['blob-old'], 'purged bytes are queued for erasure');
        assert.deepEqual(
          (await allHistory(room.id)).map((m) => m.text),
          ['recent'],
        );
        assert.equal(await storage.getAttachment('att-old'), null);

        clock += 3_600_000;
        const all = await storage.applyRetention(now());
        assert.deepEqual(
          all.map((c) => c.floorSeq),
          [recent.seq],
          'everything is old now',
        );
        assert.deepEqual(await allHistory(room.id), []);
        assert.equal((await storage.getRoom(room.id))?.lastSeq, recent.seq);
      });

      it('a retried send of a purged message is refused as gone, never re-created', async () => {
        const room = await createRoom('alice');
        const input = sendInput(room.id, 'alice', 'soon forgotten');
        const sent = await storage.appendMessage(input);
        const reaction = await storage.changeMessage(
          sent.message.id,
          'alice',
          'react-key',
          { kind: 'react', emoji: '👍', on: true },
          now(),
        );
        assert.equal(reaction.duplicate, false);
        await send(room.id, 'alice', 'newest');
        await storage.updateRoom(room.id, { retention: { maxAgeMs: null, maxMessages: 1 } }, 'alice', now());
        await storage.applyRetention(now());
        assert.equal(await storage.getMessage(sent.message.id), null);

        await rejectsWith(storage.appendMessage({ ...input, now: now() }), 'gone');
        await reopen();
        await rejectsWith(storage.appendMessage({ ...input, now: now() }), 'gone');
        await rejectsWith(
          storage.changeMessage(sent.message.id, 'alice', 'react-key', { kind: 'react', emoji: '👍', on: true }, now()),
          'gone',
        );
        assert.deepEqual(
          (await allHistory(room.id)).map((m) => m.text),
          ['newest'],
        );
        assert.equal((await storage.getRoom(room.id))?.lastSeq, 3);
      });
    });

    describe('search', () => {
      it('finds words only in rooms the user belongs to, newest first', async () => {
        const shared = await createRoom('alice', ['bob']);
        const bobOnly = await createRoom('bob');
        await send(shared.id, 'alice', 'the quarterly report is late');
        await send(bobOnly.id, 'bob', 'my private report');
        await send(shared.id, 'bob', 'Report attached, finally');
        await send(shared.id, 'bob', 'unrelated');

        const forAlice = await storage.search('alice', 'report', null, 10);
        assert.deepEqual(forAlice.map((m) => m.text), ['Report attached, finally', 'the quarterly report is late']);
        const forBob = await storage.search('bob', 'report', null, 10);
        assert.equal(forBob.length, 3);
        assert.deepEqual(
          (await storage.search('bob', 'report', bobOnly.id, 10)).map((m) => m.text),
          ['my private report'],
        );
        assert.deepEqual(await storage.search('alice', 'report', bobOnly.id, 10), [], 'not a member');
        assert.equal((await storage.search('bob', 'report', null, 1)).length, 1);
        assert.deepEqual(
          (await storage.search('alice', 'quarterly late', null, 10)).map((m) => m.seq),
          [2],
          'all words must match',
        );
        assert.equal((await storage.search('alice', 'quart', null, 10)).length, 1, 'the last word matches as a prefix');

        await storage.removeMember(shared.id, 'alice', now(), null);
        assert.deepEqual(await storage.search('alice', 'report', null, 10), [], 'leaving a room hides it');
      });

      it('follows edits and ignores system messages', async () => {
        const room = await createRoom('alice', [], { name: 'renamed-word' });
        const sent = await send(room.id, 'alice', 'apples');
        await storage.changeMessage(sent.id, 'alice', 'e1', { kind: 'edit', text: 'oranges', mentions: [] }, now());
        assert.deepEqual(await storage.search('alice', 'apples', null, 10), []);
        assert.deepEqual((await storage.search('alice', 'oranges', null, 10)).map((m) => m.id), [sent.id]);
        await storage.updateRoom(room.id, { name: 'bananas' }, 'alice', now());
        assert.deepEqual(await storage.search('alice', 'bananas', null, 10), []);
      });

      it('matches unicode text, ignoring case and accents', async () => {
        const room = await createRoom('alice');
        await send(room.id, 'alice', 'Rendez-vous au Café demain');
        await send(room.id, 'alice', 'Schöne Grüße aus Köln');
        await send(room.id, 'alice', 'Привет мир');
        await send(room.id, 'alice', '会议 明天 开始');
        const texts = async (q: string): Promise<string[]> =>
          (await storage.search('alice', q, null, 10)).map((m) => m.text);
        assert.deepEqual(await texts('cafe'), ['Rendez-vous au Café demain']);
        assert.deepEqual(await texts('CAFÉ'), ['Rendez-vous au Café demain']);
        assert.deepEqual(await texts('grüße'), ['Schöne Grüße aus Köln']);
        assert.deepEqual(await texts('koln'), ['Schöne Grüße aus Köln']);
        assert.deepEqual(await texts('привет'), ['Привет мир']);
        assert.deepEqual(await texts('明天'), ['会议 明天 开始']);
        assert.deepEqual(await texts('rendez-vous'), ['Rendez-vous au Café demain']);
      });

      it('treats quotes, operators and odd input as plain text without failing', async () => {
        const room = await createRoom('alice');
        await send(room.id, 'alice', 'say "hello" AND goodbye (maybe) near the end: col*');
        const hostile = [
          '"',
          '""',
          '"hello',
          'hello"',
          'AND',
          'OR',
          'NOT hello',
          'hello AND',
          'NEAR(hello goodbye)',
          'NEAR/2',
          '(',
          ')',
          '*',
          'col*',
          'text:hello',
          '{text}: hello',
          '^hello',
          '+hello',
          '-hello',
          "'; DROP TABLE messages; --",
          '\\',
          '\u0000',
          '\ud800',
          '🎉',
          '   ',
          '',
          'x'.repeat(5_000),
          Array.from({ length: 200 }, (_, i) => `w${i}`).join(' '),
        ];
        for (const query of hostile) {
          const result = await storage.search('alice', query, null, 10);
          assert.ok(Array.isArray(result), `query ${JSON.stringify(query.slice(0, 20))}`);
        }
        const texts = async (q: string): Promise<number> => (await storage.search('alice', q, null, 10)).length;
        assert.equal(await texts('"hello"'), 1, 'quotes are ignored, the word is found');
        assert.equal(await texts('hello AND goodbye'), 1, 'AND is a word here, and the message has it');
        assert.equal(await texts('(maybe)'), 1);
        assert.equal(await texts('NEAR(hello'), 0, 'a phrase: near followed by hello');
        assert.equal(await texts('end:'), 1);
        assert.equal(await texts('hello OR nothing'), 0, 'OR is a word, not an operator');
        assert.equal((await allHistory(room.id)).length, 2, 'nothing was dropped');
      });
    });

    describe('receipts and unread counts', () => {
      it('markers only move forward and never past the last message', async () => {
        const room = await createRoom('alice', ['bob']);
        for (let i = 0; i < 4; i++) await send(room.id, 'alice', `m${i}`);
        // The room now holds seqs 1..5; bob joined at creation with seq 1 read.
        const first = await storage.setReceipt(room.id, 'bob', 3, null);
        assert.deepEqual(first, { readSeq: 1, deliveredSeq: 3, changed: true });
        const read = await storage.setReceipt(room.id, 'bob', null, 4);
        assert.deepEqual(read, { readSeq: 4, deliveredSeq: 4, changed: true }, 'read implies delivered');
        const back = await storage.setReceipt(room.id, 'bob', 2, 2);
        assert.deepEqual(back, { readSeq: 4, deliveredSeq: 4, changed: false });
        const beyond = await storage.setReceipt(room.id, 'bob', 1_000, 999);
        assert.deepEqual(beyond, { readSeq: 5, deliveredSeq: 5, changed: true });
        const member = await storage.getMember(room.id, 'bob');
        assert.equal(member?.readSeq, 5);
        assert.equal(member?.deliveredSeq, 5);
        await rejectsWith(storage.setReceipt(room.id, 'carol', 1, 1), 'not_found');
      });

      it('counts unread messages others sent, skipping system messages and tombstones', async () => {
        const one = await createRoom('alice', ['bob']);
        const two = await createRoom('carol', ['bob']);
        const a1 = await send(one.id, 'alice', 'a1');
        await send(one.id, 'bob', 'my own');
        await send(one.id, 'alice', 'a2');
        const a3 = await send(one.id, 'alice', 'a3');
        await storage.addMember(one.id, 'dave', 'member', now(), { event: 'joined', actor: 'dave' });
        await send(two.id, 'carol', 'c1');
        await send(two.id, 'carol', 'c2');

        assert.equal(await storage.unreadCount(one.id, 'bob'), 3);
        assert.equal(await storage.unreadCount(two.id, 'bob'), 2);
        assert.equal(await storage.unreadTotal('bob'), 5);
        assert.equal(await storage.unreadCount(one.id, 'alice'), 1, 'bob\'s message, for alice');
        assert.equal(await storage.unreadCount(one.id, 'dave'), 0);
        assert.equal(await storage.unreadCount(one.id, 'stranger'), 0);

        await storage.changeMessage(a3.id, 'alice', 'd', { kind: 'delete' }, now());
        assert.equal(await storage.unreadCount(one.id, 'bob'), 2);
        await storage.setReceipt(one.id, 'bob', null, a1.seq);
        assert.equal(await storage.unreadCount(one.id, 'bob'), 1);
        assert.equal(await storage.unreadTotal('bob'), 3);
        await storage.setReceipt(two.id, 'bob', null, 1_000);
        assert.equal(await storage.unreadTotal('bob'), 1);
        assert.equal(await storage.unreadTotal('nobody'), 0);
      });
    });

    describe('attachments', () => {
      const upload = (id: string, room: string, uploader = 'alice') =>
        storage.createAttachment({
          id,
          room,
          uploader,
          name: `${id}.png`,
          type: 'image/png',
          size: 1234,
          createdAt: now(),
          messageId: null,
          blobKey: `blob-${id}`,
        });

      it('binds uploads to one message, in the order given', async () => {
        const room = await createRoom('alice', ['bob']);
        await upload('att-a', room.id);
        await upload('att-b', room.id);
        const stored = await storage.getAttachment('att-a');
        assert.deepEqual(stored, {
          id: 'att-a',
          room: room.id,
          uploader: 'alice',
          name: 'att-a.png',
          type: 'image/png',
          size: 1234,
          createdAt: stored?.createdAt,
          messageId: null,
          blobKey: 'blob-att-a',
        });
        await rejectsWith(upload('att-a', room.id), 'conflict');
        await rejectsWith(upload('att-x', 'missing-room'), 'not_found');

        const sent = await send(room.id, 'alice', 'pictures', { attachmentIds: ['att-b', 'att-a'] });
        assert.deepEqual(sent.attachments, [
          { id: 'att-b', name: 'att-b.png', type: 'image/png', size: 1234 },
          { id: 'att-a', name: 'att-a.png', type: 'image/png', size: 1234 },
        ]);
        assert.equal((await storage.getAttachment('att-a'))?.messageId, sent.id);
        await send(room.id, 'bob', 'no pictures');
        const history = await allHistory(room.id);
        assert.deepEqual(history.find((m) => m.id === sent.id)?.attachments, sent.attachments);
        assert.deepEqual(history.find((m) => m.text === 'no pictures')?.attachments, []);
        assert.equal(await storage.getAttachment('missing'), null);
      });

      it('refuses an upload that is already used, from someone else, or for another room', async () => {
        const room = await createRoom('alice', ['bob']);
        const other = await createRoom('alice');
        await upload('att-1', room.id);
        await upload('att-2', room.id, 'bob');
        await upload('att-3', other.id);
        await send(room.id, 'alice', 'first use', { attachmentIds: ['att-1'] });
        const lastSeq = (await storage.getRoom(room.id))!.lastSeq;

        await rejectsWith(send(room.id, 'alice', 'reuse', { attachmentIds: ['att-1'] }), 'conflict');
        await rejectsWith(send(room.id, 'alice', 'not mine', { attachmentIds: ['att-2'] }), 'conflict');
        await rejectsWith(send(room.id, 'alice', 'wrong room', { attachmentIds: ['att-3'] }), 'conflict');
        await rejectsWith(send(room.id, 'alice', 'unknown', { attachmentIds: ['att-404'] }), 'not_found');
        assert.equal((await storage.getRoom(room.id))?.lastSeq, lastSeq, 'a refused send stores nothing');
        assert.equal((await storage.getAttachment('att-2'))?.messageId, null);
      });

      it('counts uploads no message uses, per uploader, and expires the old ones, oldest first, a bounded number at a time', async () => {
        const room = await createRoom('alice', ['bob']);
        assert.deepEqual(await storage.pendingUploads('alice'), { count: 0, bytes: 0, oldestAt: null });
        await upload('old-used', room.id);
        await send(room.id, 'alice', 'with a picture', { attachmentIds: ['old-used'] });
        await upload('old-a', room.id);
        const oldA = (await storage.getAttachment('old-a'))!.createdAt;
        await upload('old-b', room.id, 'bob');
        await upload('old-c', room.id);
        const cutoff = now();
        await upload('new-d', room.id);
        assert.deepEqual(await storage.pendingUploads('alice'), { count: 3, bytes: 3 * 1234, oldestAt: oldA });
        assert.deepEqual(await storage.pendingUploads('bob'), { count: 1, bytes: 1234, oldestAt: (await storage.getAttachment('old-b'))!.createdAt });

        assert.deepEqual(await storage.expireUploads(cutoff, 2), ['blob-old-a', 'blob-old-b']);
        assert.deepEqual(await storage.expireUploads(cutoff, 10), ['blob-old-c']);
        assert.deepEqual(await storage.expireUploads(cutoff, 10), []);
        assert.equal(await storage.getAttachment('old-a'), null);
        assert.equal((await storage.getAttachment('old-used'))?.messageId !== null, true, 'a used upload is kept');
        assert.deepEqual(await storage.pendingUploads('alice'), { count: 1, bytes: 1234, oldestAt: (await storage.getAttachment('new-d'))!.createdAt });
        await rejectsWith(send(room.id, 'alice', 'too late', { attachmentIds: ['old-c'] }), 'not_found');
      });
    });

    describe('workspace documents', () => {
      const bytes = (...values: number[]): Uint8Array => Uint8Array.from(values);
      const plain = (list: Uint8Array[]): number[][] => list.map((u) => [...u]);

      it('loads an empty document for a room that never stored one', async () => {
        const room = await createRoom('alice');
        assert.deepEqual(await storage.loadWorkspace(room.id), { snapshot: null, updates: [], lastUpdateId: 0, bytes: 0 });
      });

      it('appends updates in order with growing ids, per room, byte for byte', async () => {
        const a = await createRoom('alice');
        const b = await createRoom('bob');
        const every = Uint8Array.from({ length: 256 }, (_, i) => i);
        const first = await storage.appendWorkspaceUpdate(a.id, bytes(1, 2, 3), now());
        const other = await storage.appendWorkspaceUpdate(b.id, bytes(9), now());
        const [second, third] = await Promise.all([
          storage.appendWorkspaceUpdate(a.id, every, now()),
          storage.appendWorkspaceUpdate(a.id, bytes(0), now()),
        ]);
        assert.ok(first < other && other < second && second < third, 'ids grow with every append');
        const loaded = await storage.loadWorkspace(a.id);
        assert.equal(loaded.snapshot, null);
        assert.deepEqual(plain(loaded.updates), [[1, 2, 3], [...every], [0]]);
        assert.equal(loaded.lastUpdateId, third);
        assert.equal(loaded.bytes, 3 + 256 + 1);
        assert.deepEqual(plain((await storage.loadWorkspace(b.id)).updates), [[9]]);
      });

      it('refuses updates for a room that does not exist', async () => {
        await rejectsWith(storage.appendWorkspaceUpdate('no-such-room', bytes(1), now()), 'not_found');
        await rejectsWith(storage.compactWorkspace('no-such-room', bytes(1), 0, now()), 'not_found');
      });

      it('compacts into a snapshot and keeps the updates after the compaction point, across a reopen', async () => {
        const room = await createRoom('alice');
        const ids: number[] = [];
        for (let i = 1; i <= 4; i++) ids.push(await storage.appendWorkspaceUpdate(room.id, bytes(i), now()));
        assert.equal(await storage.compactWorkspace(room.id, bytes(7, 7), ids[1], now()), true);
        let loaded = await storage.loadWorkspace(room.id);
        assert.deepEqual([...(loaded.snapshot ?? [])], [7, 7]);
        assert.deepEqual(plain(loaded.updates), [[3], [4]]);
        assert.equal(loaded.lastUpdateId, ids[3]);
        assert.equal(loaded.bytes, 4);

        await reopen();
        const next = await storage.appendWorkspaceUpdate(room.id, bytes(5), now());
        assert.ok(next > ids[3], 'ids are never reused');
        assert.equal(await storage.compactWorkspace(room.id, bytes(8), next, now()), true);
        loaded = await storage.loadWorkspace(room.id);
        assert.deepEqual([...(loaded.snapshot ?? [])], [8]);
        assert.deepEqual(loaded.updates, []);
        assert.equal(loaded.lastUpdateId, next, 'the newest id survives in the snapshot');
      });

      it('ignores a compaction older than the stored snapshot', async () => {
        const room = await createRoom('alice');
        const first = await storage.appendWorkspaceUpdate(room.id, bytes(1), now());
        const second = await storage.appendWorkspaceUpdate(room.id, bytes(2), now());
        assert.equal(await storage.compactWorkspace(room.id, bytes(12), second, now()), true);
        assert.equal(await storage.compactWorkspace(room.id, bytes(1), first, now()), false);
        const loaded = await storage.loadWorkspace(room.id);
        assert.deepEqual([...(loaded.snapshot ?? [])], [12]);
        assert.deepEqual(loaded.updates, []);
      });
    });
  });
}
