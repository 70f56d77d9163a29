/**
 * The admin REST API's rooms and members routes against a real server, with
 * real clients connected: what the admin changes reaches live members as the
 * usual events, and bad input gets typed errors.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ErrorCode } from '@parley/sdk/protocol';
import type { MemberInfo, RoomInfo, ServerFrame } from '@parley/sdk/protocol';
import { call, errorCode } from './admin-helpers.js';
import { KEY } from './admin-helpers.js';
import { startServer } from './helpers.js';
import type { TestClient, TestServer } from './helpers.js';

interface AdminRoomBody {
  room: RoomInfo;
  members: MemberInfo[];
}

describe('admin API: rooms and members', () => {
  let ts: TestServer;
  let ana: TestClient, ben: TestClient, cy: TestClient;
  before(async () => {
    // Consent mode: admin-added members still join at once.
    ts = await startServer({ adminKeys: [KEY], invitations: 'accept' });
    ana = await ts.connect('ana', 'Ana');
    ben = await ts.connect('ben', 'Ben');
    cy = await ts.connect('cy', 'Cy');
  });
  after(() => ts.close());

  async function created(id: string, members = [{ user: 'ana', role: 'owner' }, { user: 'ben' }]): Promise<AdminRoomBody> {
    const answer = await call(ts, 'POST', 'rooms', { id, kind: 'group', name: `Room ${id}`, topic: 'launch', members });
    assert.equal(answer.status, 201, JSON.stringify(answer.body));
    return answer.body as AdminRoomBody;
  }

  it('creates a room whose members join at once and get room.added live', async () => {
    const body = await created('project-x');
    assert.equal(body.room.id, 'project-x');
    assert.equal(body.room.name, 'Room project-x');
    assert.equal(body.room.topic, 'launch');
    assert.equal(body.room.memberCount, 2);
    assert.deepEqual(body.members.map((m) => [m.user, m.role]).sort(), [['ana', 'owner'], ['ben', 'member']]);
    for (const client of [ana, ben]) {
      const added = await client.waitFor<Extract<ServerFrame, { type: 'room.added' }>>((f) => f.type === 'room.added' && f.room.id === 'project-x');
      assert.equal(added.room.name, 'Room project-x');
    }
    assert.equal(cy.events('room.added').filter((f) => f.room.id === 'project-x').length, 0);
    // Members, not invitees: they read and post right away.
    const { messages } = await ben.request('message.history', { room: 'project-x' });
    assert.deepEqual(messages.map((m) => m.system?.event), ['created']);
    assert.equal(messages[0].system?.actor, 'ana', 'the created message names the first owner');
    const { invitations } = await ben.request('invitations.list', {});
    assert.deepEqual(invitations, []);
  });

  it('generates an id when none is given, and refuses a taken one with 409 conflict', async () => {
    const answer = await call(ts, 'POST', 'rooms', { kind: 'public', name: 'Lobby', members: [{ user: 'cy', role: 'owner' }] });
    assert.equal(answer.status, 201);
    assert.match((answer.body as AdminRoomBody).room.id, /^r_/);
    await created('taken');
    const again = await call(ts, 'POST', 'rooms', { id: 'taken', kind: 'group', name: 'Again', members: [{ user: 'ana' }] });
    assert.equal(again.status, 409);
    assert.equal(errorCode(again), ErrorCode.Conflict);
  });

  it('refuses bad room input with 400 bad_request naming the field', async () => {
    const cases: Array<[unknown, RegExp]> = [
      [{ kind: 'direct', name: 'D', members: [{ user: 'ana' }] }, /kind/],
      [{ kind: 'group', name: '', members: [{ user: 'ana' }] }, /name/],
      [{ kind: 'group', name: 'G', members: [] }, /member/],
      [{ kind: 'group', name: 'G', members: [{ user: 'ana', role: 'king' }] }, /role/],
      [{ id: 'Not A Slug', kind: 'group', name: 'G', members: [{ user: 'ana' }] }, /id/],
      [{ kind: 'group', name: 'G', members: [{ user: 'ana' }], color: 'red' }, /color/],
      [{ kind: 'group', name: 'G', topic: 't'.repeat(1001), members: [{ user: 'ana' }] }, /topic/],
    ];
    for (const [body, field] of cases) {
      const answer = await call(ts, 'POST', 'rooms', body);
      assert.equal(answer.status, 400, JSON.stringify(body));
      assert.equal(errorCode(answer), ErrorCode.BadRequest);
      assert.match((answer.body as { error: { message: string } }).error.message, field);
    }
  });

  it('updates a room: members get room.updated and the renamed message live', async () => {
    await created('renames');
    const answer = await call(ts, 'PATCH', 'rooms/renames', { name: 'Renamed', topic: 'new topic', actor: 'ana' });
    assert.equal(answer.status, 200);
    assert.equal((answer.body as AdminRoomBody).room.name, 'Renamed');
    const updated = await ben.waitFor<Extract<ServerFrame, { type: 'room.updated' }>>((f) => f.type === 'room.updated' && f.room.id === 'renames' && f.room.name === 'Renamed');
    assert.equal(updated.room.topic, 'new topic');
    const renamed = await ben.waitForMessage((m) => m.room === 'renames' && m.system?.event === 'renamed');
    assert.equal(renamed.system?.actor, 'ana');
    const missing = await call(ts, 'PATCH', 'rooms/nope', { name: 'X' });
    assert.equal(missing.status, 404);
    assert.equal(errorCode(missing), ErrorCode.NotFound);
    const bad = await call(ts, 'PATCH', 'rooms/renames', { retention: { maxAgeMs: 5 } });
    assert.equal(bad.status, 400);
  });

  it('adds a member (201), changes a role (200) and removes a member (204), all live', async () => {
    await created('crew');
    const added = await call(ts, 'PUT', 'rooms/crew/members/cy', { role: 'moderator' });
    assert.equal(added.status, 201);
    assert.equal((added.body as { member: MemberInfo }).member.role, 'moderator');
    await cy.waitFor((f) => f.type === 'room.added' && f.room.id === 'crew');
    const joined = await ben.waitFor<Extract<ServerFrame, { type: 'member' }>>((f) => f.type === 'member' && f.room === 'crew' && f.member.user === 'cy');
    assert.equal(joined.change, 'joined');

    const promoted = await call(ts, 'PUT', 'rooms/crew/members/cy', { role: 'admin' });
    assert.equal(promoted.status, 200);
    await ben.waitFor((f) => f.type === 'member' && f.room === 'crew' && f.member.user === 'cy' && f.change === 'updated' && f.member.role === 'admin');
    // Cy now acts with that role through the socket.
    await cy.request('room.update', { room: 'crew', topic: 'cy was here' });

    const removed = await call(ts, 'DELETE', 'rooms/crew/members/cy');
    assert.equal(removed.status, 204);
    await cy.waitFor((f) => f.type === 'room.removed' && f.room === 'crew');
    assert.equal(await cy.fail('message.history', { room: 'crew' }), ErrorCode.NotFound, 'a private room is hidden from non-members');
    const gone = await call(ts, 'DELETE', 'rooms/crew/members/cy');
    assert.equal(gone.status, 404);
    const noRoom = await call(ts, 'PUT', 'rooms/nope/members/cy', {});
    assert.equal(noRoom.status, 404);
    const badRole = await call(ts, 'PUT', 'rooms/crew/members/cy', { role: 'king' });
    assert.equal(badRole.status, 400);
  });

  it('refuses to add a banned user with 409 banned', async () => {
    await created('strict');
    await ana.request('room.ban', { room: 'strict', user: 'cy' });
    const answer = await call(ts, 'PUT', 'rooms/strict/members/cy', {});
    assert.equal(answer.status, 409);
    assert.equal(errorCode(answer), ErrorCode.Banned);
  });

  it('hands ownership on when the last owner is removed', async () => {
    await created('heirs');
    assert.equal((await call(ts, 'DELETE', 'rooms/heirs/members/ana')).status, 204);
    await ben.waitFor((f) => f.type === 'member' && f.room === 'heirs' && f.member.user === 'ben' && f.member.role === 'owner');
  });

  it('carries room data on room.added and room.updated; data over the limit is 413 payload_too_large', async () => {
    const created = await call(ts, 'POST', 'rooms', { id: 'with-data', kind: 'group', name: 'With data', members: [{ user: 'ana', role: 'owner' }, { user: 'ben' }], data: { project: 'apollo' } });
    assert.equal(created.status, 201);
    assert.deepEqual((created.body as AdminRoomBody).room.data, { project: 'apollo' });
    const added = await ben.waitFor<Extract<ServerFrame, { type: 'room.added' }>>((f) => f.type === 'room.added' && f.room.id === 'with-data');
    assert.deepEqual(added.room.data, { project: 'apollo' });
    await call(ts, 'PATCH', 'rooms/with-data', { data: { project: 'gemini' } });
    const updated = await ben.waitFor<Extract<ServerFrame, { type: 'room.updated' }>>((f) => f.type === 'room.updated' && f.room.id === 'with-data' && f.room.data !== undefined && JSON.stringify(f.room.data).includes('gemini'));
    assert.deepEqual(updated.room.data, { project: 'gemini' });
    const { rooms } = await ben.request('rooms.list', {});
    assert.deepEqual(rooms.find((r) => r.id === 'with-data')?.data, { project: 'gemini' });
    const big = await call(ts, 'PATCH', 'rooms/with-data', { data: 'x'.repeat(5000) });
    assert.equal(big.status, 413);
    assert.equal(errorCode(big), ErrorCode.PayloadTooLarge);
    const cleared = await call(ts, 'PATCH', 'rooms/with-data', { data: null });
    assert.equal('data' in (cleared.body as AdminRoomBody).room, false);
  });

  it('offers the same operations as server.admin', async () => {
    const { room } = await ts.server.admin.createRoom({ id: 'embedded', kind: 'broadcast', name: 'News', members: [{ user: 'ana', role: 'owner' }] });
    assert.equal(room.kind, 'broadcast');
    const { added } = await ts.server.admin.putMember('embedded', 'ben', { role: 'member' });
    assert.equal(added, true);
    await ben.waitFor((f) => f.type === 'room.added' && f.room.id === 'embedded');
    await ts.server.admin.removeMember('embedded', 'ben');
    await assert.rejects(ts.server.admin.updateRoom('missing', { name: 'x' }), (error: { code?: string }) => error.code === ErrorCode.NotFound);
  });
});
