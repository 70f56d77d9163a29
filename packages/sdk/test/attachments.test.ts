/** Uploads over HTTP beside the socket, with the typed errors of its limits. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { LimitError } from '../src/index.js';
import type { ParleyClient } from '../src/index.js';
import { startPair, until } from './helpers.js';
import type { Pair } from './helpers.js';

describe('attachments', () => {
  let ada: ParleyClient;
  let bob: ParleyClient;

  let pair: Pair;

  before(async () => {
    pair = await startPair({ limits: { maxAttachmentBytes: 64 } });
    ({ ada, bob } = pair);
  });

  after(() => pair?.dispose());

  it('uploads a file, sends it, and the other member downloads it through a signed URL', async () => {
    const room = await ada.createRoom({ kind: 'group', name: 'Files', members: ['bob'] });
    const attachment = await ada.upload(room.id, new Blob(['hello file'], { type: 'text/plain' }), 'note.txt');
    assert.equal(attachment.name, 'note.txt');
    assert.equal(attachment.size, 10);
    await room.send('see attached', { attachments: [attachment] });
    await until(() => bob.state.rooms[room.id]?.messages.some((m) => m.attachments.length === 1) === true, 'bob gets it');
    const received = bob.state.rooms[room.id].messages.find((m) => m.attachments.length === 1);
    const url = await bob.attachmentUrl(received?.attachments[0].id ?? '');
    const response = await fetch(url);
    assert.equal(response.status, 200);
    assert.equal(await response.text(), 'hello file');
  });

  it('reports too large and unsupported files as typed limit errors', async () => {
    const room = await ada.createRoom({ kind: 'group', name: 'Limits' });
    await assert.rejects(
      ada.upload(room.id, new Blob(['x'.repeat(65)], { type: 'text/plain' }), 'big.txt'),
      (e: unknown) => e instanceof LimitError && e.code === 'payload_too_large',
    );
    await assert.rejects(
      ada.upload(room.id, new Blob(['MZ'], { type: 'application/x-msdownload' }), 'tool.exe'),
      (e: unknown) => e instanceof LimitError && e.code === 'unsupported_type',
    );
  });
});
