/**
 * Two people chat through the script-tag example page: each sees every
 * message once, in the same order, and the sender sees their own messages
 * reach the other person.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { findInOrder } from './helpers/chat-page.js';
import { E2eFixture } from './helpers/fixture.js';

const fixture = new E2eFixture();
before(() => fixture.setUp());
after(() => fixture.tearDown());

const reachedOther = (status: string): boolean => status === 'delivered' || status === 'read';
const committed = (status: string): boolean => status !== 'pending' && status !== 'failed';

test('two users chat through the script-tag page', { timeout: 240_000 }, async () => {
  const room = 'two-users';
  const ada = await fixture.open('ada', room);
  const grace = await fixture.open('grace', room);
  await Promise.all([ada.ready(), grace.ready()]);

  const conversation = [
    { from: ada, text: 'Hi Grace, are you in the lobby? (1)' },
    { from: grace, text: 'Here, Ada. What is on your mind? (2)' },
    { from: ada, text: 'Let us ship the elements today. (3)' },
  ];
  const sent: string[] = [];
  for (const { from, text } of conversation) {
    await from.send(text);
    sent.push(text);
    // Each turn waits for the other side, as people do.
    const other = from === ada ? grace : ada;
    await other.waitForMessages(sent, committed);
  }

  const adaSees = await ada.waitForMessages(sent, committed);
  const graceSees = await grace.waitForMessages(sent, committed);
  assert.equal(adaSees.length, 3);
  assert.equal(graceSees.length, 3);

  // Own messages end up delivered to (or read by) the other person.
  await ada.waitForMessages([sent[0]!, sent[2]!], reachedOther);
  await grace.waitForMessages([sent[1]!], reachedOther);

  // A fresh load from the server shows the same conversation, once, in order.
  await grace.reload();
  await grace.ready();
  const afterReload = await grace.waitForMessages(sent, committed);
  assert.ok(findInOrder(afterReload, sent), 'the conversation after a reload');
  assert.deepEqual(fixture.pageErrors(), []);
});
