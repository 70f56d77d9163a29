/**
 * Who introduced each awareness client id of a document. An awareness entry
 * (a cursor, a name) is keyed by a client id the client picks; without this,
 * any member could send an entry under another member's id and move their
 * cursor, or make that member's own client adopt the state as its own. The
 * first user to write an id owns it for as long as the document is loaded;
 * entries another user sends under it are dropped.
 *
 * The entries are y-protocols' awareness encoding (a varUint count, then per
 * entry the client id, its clock and its state as JSON), read and written
 * with lib0 the way y-protocols' own `modifyAwarenessUpdate` does, which
 * cannot drop entries.
 */
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';

/** One entry of an awareness update. */
export interface AwarenessEntry {
  clientID: number;
  clock: number;
  /** The JSON state; null removes the client's state. */
  state: unknown;
}

/** Owners remembered per document; beyond this, the oldest ids without a current state are forgotten first. */
const MAX_OWNERS = 10_000;

/** Decodes an awareness update; throws on malformed input. */
export function decodeAwarenessEntries(update: Uint8Array): AwarenessEntry[] {
  const decoder = decoding.createDecoder(update);
  const count = decoding.readVarUint(decoder);
  const entries: AwarenessEntry[] = [];
  for (let i = 0; i < count; i++) {
    const clientID = decoding.readVarUint(decoder);
    const clock = decoding.readVarUint(decoder);
    entries.push({ clientID, clock, state: JSON.parse(decoding.readVarString(decoder)) as unknown });
  }
  return entries;
}

/** Encodes entries as an awareness update. */
export function encodeAwarenessEntries(entries: readonly AwarenessEntry[]): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, entries.length);
  for (const entry of entries) {
    encoding.writeVarUint(encoder, entry.clientID);
    encoding.writeVarUint(encoder, entry.clock);
    encoding.writeVarString(encoder, JSON.stringify(entry.state));
  }
  return encoding.toUint8Array(encoder);
}

/** The owner of each awareness client id of one document; see the module comment. */
export class AwarenessOwners {
  readonly #owners = new Map<number, string>();
  readonly #hasState: (clientID: number) => boolean;

  /** `hasState` tells whether an id has a state now (ids with one are never forgotten). */
  constructor(hasState: (clientID: number) => boolean) {
    this.#hasState = hasState;
  }

  /** Whether `user` may write `clientID`'s entry: nobody else owns it. */
  mayWrite(clientID: number, user: string): boolean {
    const owner = this.#owners.get(clientID);
    return owner === undefined || owner === user;
  }

  /** Records `user` as the owner of `clientID` (no-op when it already is). */
  claim(clientID: number, user: string): void {
    if (this.#owners.has(clientID)) return;
    this.#owners.set(clientID, user);
    if (this.#owners.size > MAX_OWNERS) this.#forgetOldest();
  }

  #forgetOldest(): void {
    for (const clientID of this.#owners.keys()) {
      if (this.#owners.size <= MAX_OWNERS) return;
      if (!this.#hasState(clientID)) this.#owners.delete(clientID);
    }
  }
}
