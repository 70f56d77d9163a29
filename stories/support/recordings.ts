/**
 * The recordings written by `stories/record.ts`. JSON imports are typed by
 * their literal shape (`kind: string`), so they are asserted to the SDK's
 * snapshot type here, once: the recorder wrote them from a real store.
 */
import type { Recording } from './recorded-client.js';
import roomsJson from '../recordings/rooms.json';
import offlineJson from '../recordings/offline.json';
import failedSendJson from '../recordings/failed-send.json';
import noRoomsJson from '../recordings/no-rooms.json';

/** Ada's device after a week of conversations: five rooms, one with 200 cached messages. */
export const rooms = roomsJson as unknown as Recording;
/** Ada offline, with two messages in the outbox (and the failed one below). */
export const offline = offlineJson as unknown as Recording;
/** Ada's send refused by the server because she is muted in `launch`. */
export const failedSend = failedSendJson as unknown as Recording;
/** A user with no rooms yet. */
export const noRooms = noRoomsJson as unknown as Recording;
