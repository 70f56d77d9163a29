/**
 * The active speaker, from a real worker's audio level observer: audio
 * whose RTP audio-level extension says loud names its owner; silence
 * clears it. RTP goes in through a direct transport (no browser needed).
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import type { CallEventFrame } from '@parley/sdk/protocol';
import type { Worker } from 'mediasoup/types';
import { CallRoom } from '../src/calls/call-room.js';
import { Participant } from '../src/calls/participant.js';
import { locateWorkerBinary } from '../src/calls/worker-binary.js';
import { requireWorker } from './calls-helpers.js';

const AUDIO_LEVEL_URI = 'urn:ietf:params:rtp-hdrext:ssrc-audio-level';

/** An Opus RTP packet with a one-byte header extension carrying the audio level (dBov, 0 loudest … 127 silence). */
function rtpWithLevel(sequence: number, ssrc: number, level: number): Buffer {
  const header = Buffer.alloc(12);
  header[0] = 0x90; // version 2, extension bit
  header[1] = 100;
  header.writeUInt16BE(sequence & 0xffff, 2);
  header.writeUInt32BE(sequence * 960, 4);
  header.writeUInt32BE(ssrc, 8);
  // RFC 8285 one-byte header: 0xBEDE, length 1 word; id 1, len-1 = 0, V=1 and the level.
  const extension = Buffer.from([0xbe, 0xde, 0x00, 0x01, 0x10, 0x80 | level, 0x00, 0x00]);
  return Buffer.concat([header, extension, Buffer.from('opus-payload')]);
}

describe('active speaker', () => {
  let worker: Worker | null = null;
  after(() => worker?.close());

  it('names the loud participant, then clears on silence', async (t) => {
    if (!requireWorker(t)) return;
    process.env.MEDIASOUP_WORKER_BIN = locateWorkerBinary().path ?? '';
    const mediasoup = await import('mediasoup');
    worker = await mediasoup.createWorker({ logLevel: 'warn', disableLiburing: true });
    const call = await CallRoom.open('room-1', worker, { thresholdDb: -60, intervalMs: 200 });

    const heard: CallEventFrame[] = [];
    const listener = new Participant({ id: 'bob', name: 'Bob' }, { id: 'c-bob', deliver: (frame) => heard.push(JSON.parse(frame) as CallEventFrame) }, true);
    listener.release();
    call.participants.set('bob', listener);

    const direct = await call.router.createDirectTransport();
    const producer = await direct.produce({
      kind: 'audio',
      rtpParameters: {
        codecs: [{ mimeType: 'audio/opus', payloadType: 100, clockRate: 48000, channels: 2 }],
        headerExtensions: [{ uri: AUDIO_LEVEL_URI, id: 1 }],
        encodings: [{ ssrc: 2222 }],
      },
      appData: { user: 'ada', source: 'mic' },
    });
    await call.observeAudio(producer.id);

    const speakers = (): Array<string | null> =>
      heard.filter((f): f is Extract<CallEventFrame, { type: 'call.activeSpeaker' }> => f.type === 'call.activeSpeaker').map((f) => f.user);
    // Loud (-10 dBov) for at most 3 s, until the observer names ada.
    let sequence = 1;
    for (; sequence <= 150 && !speakers().includes('ada'); sequence++) {
      producer.send(rtpWithLevel(sequence, 2222, 10));
      await delay(20);
    }
    assert.ok(speakers().includes('ada'), `ada is the active speaker (events: ${JSON.stringify(speakers())})`);
    const named = heard.find((f) => f.type === 'call.activeSpeaker' && f.user === 'ada');
    assert.deepEqual(named && named.type === 'call.activeSpeaker' ? named.speaking : null, ['ada']);

    // Silence (127 dBov) until the speaker clears.
    for (let i = 0; i < 150 && speakers().at(-1) !== null; i++, sequence++) {
      producer.send(rtpWithLevel(sequence, 2222, 127));
      await delay(20);
    }
    assert.equal(speakers().at(-1), null, 'silence clears the active speaker');
    call.close();
  });
});
