/**
 * The outbox survives an outage and a reload: messages written while the
 * server is down stay pending in IndexedDB, are shown again after a reload,
 * and are delivered exactly once when the server comes back.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { AFTER_OUTAGE_MS } from './helpers/bounds.js';
import { findInOrder, numberedTexts } from './helpers/chat-page.js';
import { E2eFixture } from './helpers/fixture.js';

const fixture = new E2eFixture();
before(() => fixture.setUp());
after(() => fixture.tearDown());

const committed = (status: string): boolean => status !== 'pending' && status !== 'failed';
const pending = (status: string): boolean => status === 'pending';
const reachedOther = (status: string): boolean => status === 'delivered' || status === 'read';
const AFTER_RESTART = { timeoutMs: AFTER_OUTAGE_MS };

test('messages sent offline survive a reload and are delivered once', { timeout: 300_000 }, async () => {
  const room = 'outage';
  // Ada's page comes from a static host that stays up; Grace's from the chat server.
  const ada = await fixture.open('ada', room, 'static-server');
  const grace = await fixture.open('grace', room);
  await Promise.all([ada.ready(), grace.ready()]);

  // Both are in the room before the outage.
  const hello = 'Before the outage.';
  await ada.send(hello);
  await grace.waitForMessages([hello], committed);

  await fixture.server.stop();

  const offline = numberedTexts('Written while the server was down', 3);
  for (const text of offline) await ada.send(text);
  await ada.waitForMessages(offline, pending);

  // The page still loads and shows the outbox kept in IndexedDB.
  await ada.reload();
  await ada.ready();
  const afterReload = await ada.waitForMessages(offline, pending);
  assert.deepEqual(
    afterReload.map((message) => message.status),
    ['pending', 'pending', 'pending'],
  );

  await fixture.server.start();

  // Ada sees each of hers reach Grace (delivered or read), Grace sees each once, in order.
  await ada.waitForMessages([hello, ...offline], reachedOther, AFTER_RESTART);
  await grace.waitForMessages([hello, ...offline], committed, AFTER_RESTART);

  // The server holds each message once: a fresh load shows each once, in order.
  await grace.reload();
  await grace.ready();
  const fresh = await grace.waitForMessages([hello, ...offline], committed);
  assert.ok(findInOrder(fresh, [hello, ...offline]));
  const adaFinal = await ada.messages();
  assert.ok(findInOrder(adaFinal, [hello, ...offline], committed), JSON.stringify(adaFinal));
  assert.deepEqual(fixture.pageErrors(), []);
});
