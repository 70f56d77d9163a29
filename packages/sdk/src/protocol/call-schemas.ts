/**
 * valibot schemas of the call requests (see `calls.ts`), spread into the
 * request schemas of `schema.ts`. mediasoup's parameter objects are checked
 * only for being JSON objects of bounded size here (the frame limit bounds
 * them); mediasoup validates their contents and the server answers
 * `bad_request` when it refuses them.
 */
import * as v from 'valibot';
import { CALL_SOURCES } from './calls.js';

const MAX_ID = 128;
const id = v.pipe(v.string(), v.minLength(1), v.maxLength(MAX_ID));
const requestId = v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(Number.MAX_SAFE_INTEGER));
const parameters = v.record(v.string(), v.unknown());
const kind = v.picklist(['audio', 'video']);

function req<T extends string, E extends v.ObjectEntries>(type: T, entries: E) {
  return v.strictObject({ type: v.literal(type), id: requestId, ...entries });
}

/** Schemas of every `call.*` request. */
export const callRequestSchemas = [
  req('call.join', { room: id }),
  req('call.leave', { room: id }),
  req('call.transport.create', { room: id, direction: v.picklist(['send', 'recv']) }),
  req('call.transport.connect', { room: id, transportId: id, dtlsParameters: parameters }),
  req('call.transport.restartIce', { room: id, transportId: id }),
  req('call.produce', {
    room: id,
    transportId: id,
    kind,
    rtpParameters: parameters,
    source: v.picklist(CALL_SOURCES as ['mic', 'camera', 'screen']),
    paused: v.optional(v.boolean()),
  }),
  req('call.producer.pause', { room: id, producerId: id }),
  req('call.producer.resume', { room: id, producerId: id }),
  req('call.producer.close', { room: id, producerId: id }),
  req('call.consume', { room: id, transportId: id, producerId: id, rtpCapabilities: parameters }),
  req('call.consumer.resume', { room: id, consumerId: id }),
] as const;
