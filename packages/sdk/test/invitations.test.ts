/** Invitations through the SDK: shown in state as they arrive, accepted or declined from any device. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { InvitationInfo, ParleyClient } from '../src/index.js';
import { nodeClient, startServer, texts, until } from './helpers.js';
import type { TestServer } from './helpers.js';

describe('invitations', () => {
  let server: TestServer;
  const clients: ParleyClient[] = [];
  before(async () => {
    server = await startServer({ invitations: 'accept' });
  });
  after(async () => {
    for (const client of clients) await client.dispose();
    await server.dispose();
  });

  async function online(user: string): Promise<ParleyClient> {
    const client = nodeClient(server.url, await server.token(user, user.toUpperCase()));
    clients.push(client);
    await client.connect();
    await client.whenOnline();
    return client;
  }

  it('lists an invitation live and on reconnect, and joins the room when accepted', async () => {
    const ada = await online('ada');
    const bob = await online('bob');
    const seen: InvitationInfo[] = [];
    bob.on('invitation', (invitation) => seen.push(invitation));
    const room = await ada.createRoom({ kind: 'group', name: 'Plans', members: ['bob'] });
    await until(() => bob.state.invitations.length === 1, 'bob sees the invitation');
    assert.equal(bob.state.invitations[0].name, 'Plans');
    assert.equal(bob.state.invitations[0].inviterName, 'ADA');
    assert.equal(seen.length, 1);
    assert.equal(bob.state.rooms[room.id], undefined, 'not a member yet');

    // A second device of bob's learns it when it connects.
    const bobTablet = await online('bob');
    await until(() => bobTablet.state.invitations.length === 1, 'the other device lists it after connecting');

    await room.send('welcome aboard');
    const joined = await bob.acceptInvitation(room.id);
    assert.equal(joined.id, room.id);
    assert.deepEqual(bob.state.invitations, []);
    await until(() => bobTablet.state.invitations.length === 0, 'the other device drops it');
    await until(() => bob.state.rooms[room.id]?.info?.role === 'member', 'the room is in bob’s state');
    await bob.room(room.id).loadOlder();
    assert.ok(texts(bob, room.id).includes('welcome aboard'));
  });

  it('declines', async () => {
    const ada = await online('ada-2');
    const cy = await online('cy');
    const room = await ada.createRoom({ kind: 'group', name: 'Nope', members: [] });
    const { invitation } = await room.invite('cy');
    assert.equal(invitation?.room, room.id);
    await until(() => cy.state.invitations.length === 1, 'cy sees it');
    await cy.declineInvitation(room.id);
    assert.deepEqual(cy.state.invitations, []);
    assert.equal(cy.state.rooms[room.id], undefined);
  });
});
