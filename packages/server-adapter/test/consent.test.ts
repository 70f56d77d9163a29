/**
 * Consent and blocking: by default nobody becomes a member of a room without
 * accepting an invitation, and blocking holds in every room kind — neither
 * side can add or invite the other, whatever the room.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ErrorCode } from '@parley/sdk/protocol';
import type { InvitationInfo } from '@parley/sdk/protocol';
import { cid, send, startServer } from './helpers.js';
import type { TestClient, TestServer } from './helpers.js';

describe('invitations (the default: consent)', () => {
  let ts: TestServer;
  before(async () => {
    ts = await startServer({ invitations: 'accept' });
  });
  after(() => ts.close());

  it('makes the people named at creation invitees, not members, until they accept', async () => {
    const ada = await ts.connect('ada', 'Ada');
    const bob = await ts.connect('bob');
    const bobPhone = await ts.connect('bob');
    const { room } = await ada.request('room.create', { kind: 'group', name: 'Plans', members: ['bob'] });
    assert.equal(room.memberCount, 1, 'only the creator is a member');

    const event = await bob.waitFor<{ type: 'invitation'; invitation: InvitationInfo }>((f) => f.type === 'invitation');
    assert.deepEqual(
      { room: event.invitation.room, name: event.invitation.name, inviter: event.invitation.inviter, inviterName: event.invitation.inviterName },
      { room: room.id, name: 'Plans', inviter: 'ada', inviterName: 'Ada' },
    );
    const { invitations } = await bob.request('invitations.list', {});
    assert.deepEqual(invitations.map((i) => [i.room, i.role]), [[room.id, 'member']]);

    // Not a member yet: nothing of the room reaches bob.
    assert.equal(await bob.fail('room.get', { room: room.id }), ErrorCode.NotFound);
    assert.equal(await bob.fail('message.history', { room: room.id }), ErrorCode.NotFound);
    await send(ada, room.id, 'before bob accepted');
    assert.equal(await bob.fail('message.send', { room: room.id, clientId: cid(), text: 'let me in' }), ErrorCode.NotFound);
    assert.ok(!bob.frames.some((f) => f.type === 'message'), 'no message event before accepting');

    const accepted = await bob.request('room.accept', { room: room.id });
    assert.equal(accepted.room.role, 'member');
    await bobPhone.waitFor((f) => f.type === 'invitation.removed' && f.room === room.id && f.reason === 'accepted');
    await bobPhone.waitFor((f) => f.type === 'room.added' && f.room.id === room.id);
    await ada.waitFor((f) => f.type === 'member' && f.room === room.id && f.member.user === 'bob' && f.change === 'joined');
    const { messages } = await bob.request('message.history', { room: room.id });
    assert.ok(messages.some((m) => m.text === 'before bob accepted'), 'a member reads the history');
    await send(bob, room.id, 'thanks');
    assert.deepEqual((await bob.request('invitations.list', {})).invitations, []);
    assert.equal(await bob.fail('room.accept', { room: room.id }), ErrorCode.NotFound, 'an invitation is used once');
  });

  it('lets the invitee decline without telling anyone, and invites again later', async () => {
    const ada = await ts.connect('ada2');
    const cy = await ts.connect('cy');
    const { room } = await ada.request('room.create', { kind: 'group', name: 'Maybe', members: [] });
    const { invitation, member } = await ada.request('room.invite', { room: room.id, user: 'cy' });
    assert.equal(member, undefined);
    assert.equal(invitation?.room, room.id);
    assert.equal(await ada.fail('room.invite', { room: room.id, user: 'cy' }), ErrorCode.Conflict, 'invited once');
    await cy.waitFor((f) => f.type === 'invitation');
    await cy.request('room.decline', { room: room.id });
    assert.deepEqual((await cy.request('invitations.list', {})).invitations, []);
    assert.equal(await cy.fail('room.accept', { room: room.id }), ErrorCode.NotFound);
    const { members } = await ada.request('room.members', { room: room.id });
    assert.deepEqual(members.map((m) => m.user), ['ada2']);
    assert.ok(!ada.frames.some((f) => f.type === 'invitation.removed'), 'the inviter hears nothing');
    await ada.request('room.invite', { room: room.id, user: 'cy' });
  });

  it('keeps a banned invitee out even with an invitation', async () => {
    const ada = await ts.connect('ada3');
    const dan = await ts.connect('dan');
    const { room } = await ada.request('room.create', { kind: 'group', name: 'Strict', members: ['dan'] });
    await ada.request('room.ban', { room: room.id, user: 'dan' });
    assert.equal(await dan.fail('room.accept', { room: room.id }), ErrorCode.Banned);
  });
});

describe('blocking holds in every room kind', () => {
  for (const invitations of ['accept', 'direct'] as const) {
    describe(`with invitations: '${invitations}'`, () => {
      let ts: TestServer;
      let ada: TestClient;
      let bob: TestClient;
      before(async () => {
        ts = await startServer({ invitations });
        ada = await ts.connect('ada');
        bob = await ts.connect('bob');
        await bob.request('user.block', { user: 'ada' });
      });
      after(() => ts.close());

      it('refuses to put someone in a room with a user they blocked, or who blocked them, either way round', async () => {
        for (const kind of ['group', 'public', 'broadcast', 'workspace'] as const) {
          assert.equal(await ada.fail('room.create', { kind, name: 'Sneaky', members: ['bob'] }), ErrorCode.Blocked, kind);
        }
        const { room } = await ada.request('room.create', { kind: 'group', name: 'Mine', members: [] });
        assert.equal(await ada.fail('room.invite', { room: room.id, user: 'bob' }), ErrorCode.Blocked);
        const { room: bobs } = await bob.request('room.create', { kind: 'group', name: 'Bob’s', members: [] });
        assert.equal(await bob.fail('room.invite', { room: bobs.id, user: 'ada' }), ErrorCode.Blocked);
        assert.equal(await ada.fail('room.direct', { user: 'bob' }), ErrorCode.Blocked);
        assert.ok(!bob.frames.some((f) => f.type === 'invitation' || (f.type === 'room.added' && f.room.id !== bobs.id)));
      });
    });
  }
});
