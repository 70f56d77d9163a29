import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ErrorCode } from '@parley/sdk/protocol';
import { cid, createRoom, send, startServer } from './helpers.js';
import type { TestClient, TestServer } from './helpers.js';

describe('search', () => {
  let ts: TestServer;
  let ada: TestClient, bob: TestClient, eve: TestClient;
  let shared: string, adaOnly: string, eveOnly: string;

  before(async () => {
    ts = await startServer({ limits: { maxPageSize: 5 } });
    ada = await ts.connect('ada');
    bob = await ts.connect('bob');
    eve = await ts.connect('eve');
    shared = await createRoom(ada, ['bob']);
    adaOnly = await createRoom(ada, []);
    eveOnly = await createRoom(eve, []);
    await send(ada, shared, 'The telescope arrives on Tuesday');
    await send(bob, shared, 'Great, bring the telescope to the roof');
    await send(ada, adaOnly, 'Private note about the telescope');
    await send(eve, eveOnly, 'Eve also talks about a telescope');
  });
  after(() => ts.close());

  it('finds messages only in rooms the user belongs to, newest first', async () => {
    const { messages } = await bob.request('search', { query: 'telescope' });
    assert.deepEqual(messages.map((m) => m.text), ['Great, bring the telescope to the roof', 'The telescope arrives on Tuesday']);
    const forAda = await ada.request('search', { query: 'telescope' });
    assert.equal(forAda.messages.length, 3);
    assert.ok(forAda.messages.every((m) => m.room !== eveOnly));
  });

  it('narrows to one room, and refuses rooms the user cannot read', async () => {
    const { messages } = await ada.request('search', { query: 'telescope', room: adaOnly });
    assert.deepEqual(messages.map((m) => m.text), ['Private note about the telescope']);
    assert.equal(await bob.fail('search', { query: 'telescope', room: adaOnly }), ErrorCode.NotFound);
  });

  it('follows edits and ignores deleted messages', async () => {
    const room = await createRoom(ada, ['bob']);
    const msg = await send(ada, room, 'the comet is visible');
    const gone = await send(ada, room, 'the nebula is visible');
    await ada.request('message.edit', { messageId: msg.id, clientId: cid(), text: 'the asteroid is visible' });
    await ada.request('message.delete', { messageId: gone.id, clientId: cid() });
    assert.equal((await bob.request('search', { query: 'comet' })).messages.length, 0);
    assert.equal((await bob.request('search', { query: 'nebula' })).messages.length, 0);
    const { messages } = await bob.request('search', { query: 'asteroid' });
    assert.deepEqual(messages.map((m) => m.id), [msg.id]);
  });

  it('treats query syntax as plain words and never fails on odd input', async () => {
    for (const query of ['"', 'telescope*', 'NEAR(', 'a OR b AND NOT c', '^-:', "tele'scope", '🔭']) {
      const { messages } = await ada.request('search', { query });
      assert.ok(Array.isArray(messages), query);
    }
    assert.equal(await ada.fail('search', { query: '   ' }), ErrorCode.BadRequest);
  });

  it('clamps the page to maxPageSize', async () => {
    const room = await createRoom(ada, []);
    for (let i = 0; i < 8; i++) await send(ada, room, `meteor shower ${i}`);
    const { messages } = await ada.request('search', { query: 'meteor', limit: 100 });
    assert.equal(messages.length, 5);
  });
});
