/**
 * What is acknowledged is what is stored, and names cannot deceive: lone
 * surrogates become U+FFFD before the ack, and names of users, rooms and
 * files lose direction overrides, invisible and control characters.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { cleanName, wellFormed } from '@parley/sdk/protocol';
import { cid, createRoom, signToken, startServer } from './helpers.js';
import type { TestServer } from './helpers.js';

const RLO = '\u202E';
const ZWSP = '\u200B';

describe('text hygiene', () => {
  let ts: TestServer;
  before(async () => {
    ts = await startServer();
  });
  after(() => ts.close());

  it('acknowledges and stores the same text when it holds a lone surrogate', async () => {
    const ada = await ts.connect('ada');
    const room = await createRoom(ada, []);
    // A raw frame: JSON may carry a lone surrogate that UTF-8 storage cannot.
    const id = ada.sendWithId({ type: 'message.send', room, clientId: cid(), text: 'half \ud83d of an emoji' });
    const answer = await ada.answerTo(id);
    assert.equal(answer.type, 'ack');
    const acked = (answer as { result: { message: { text: string; id: string } } }).result.message;
    assert.equal(acked.text, 'half \uFFFD of an emoji');
    const { messages } = await ada.request('message.history', { room });
    assert.equal(messages.find((m) => m.id === acked.id)?.text, acked.text, 'stored as acknowledged');
    const edit = await ada.request('message.edit', { messageId: acked.id, clientId: cid(), text: 'still \udc00 odd' });
    assert.equal(edit.message.text, 'still \uFFFD odd');
  });

  it('cleans room names and topics, user names and file names', async () => {
    const mallory = await ts.connect('mallory', `adm${ZWSP}in ${RLO}gnp.exe`);
    assert.equal(mallory.welcome?.user.name, 'admin gnp.exe');
    const { room } = await mallory.request('room.create', { kind: 'group', name: `  Pay${RLO}roll\u0007 `, topic: 'odd \ud800 topic' });
    assert.equal(room.name, 'Payroll');
    assert.equal(room.topic, 'odd \uFFFD topic');
    const invisible = await mallory.fail('room.create', { kind: 'group', name: `${ZWSP}${RLO}` });
    assert.equal(invisible, 'bad_request', 'a name of invisible characters only is no name');

    const upload = await fetch(`${ts.url}/v1/attachments?room=${room.id}&name=${encodeURIComponent(`photo${RLO}gnp.exe`)}`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${await signToken('mallory')}`, 'Content-Type': 'text/plain' },
      body: 'hello',
    });
    assert.equal(upload.status, 201);
    const { attachment } = (await upload.json()) as { attachment: { name: string } };
    assert.equal(attachment.name, 'photognp.exe');
  });

  it('keeps joiners inside words and emoji, drops them at the edges', () => {
    const family = '👨\u200D👩\u200D👧';
    assert.equal(cleanName(`\u200D${family}\u200D`), family);
    assert.equal(cleanName('نمی\u200Cخواهم'), 'نمی\u200Cخواهم', 'a Persian non-joiner inside a word stays');
    assert.equal(cleanName('ada \u200D'), 'ada');
    assert.equal(wellFormed('ok 😀'), 'ok 😀', 'pairs are untouched');
  });
});
