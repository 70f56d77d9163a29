/**
 * Awareness states come from other people's devices, so nothing in them is
 * trusted: y-codemirror.next writes a state's `user.color` into a `style`
 * attribute and turns `cursor` into document positions, and our presence list
 * shows `user.name`. {@link SafeAwareness} hands the editor and the presence
 * list a cleaned copy of every state: a colour that is not `#rrggbb` becomes
 * the user's stable colour, names are cut to a sane length, and a malformed
 * cursor is dropped (one bad peer must not break everyone's cursors).
 */
import { userColor } from '@parley/sdk/protocol';
import type { AwarenessUser } from '@parley/sdk/protocol';

/** A y-protocols `Awareness`, as far as the element uses it. */
export interface AwarenessLike {
  readonly doc: { readonly clientID: number };
  readonly clientID: number;
  getLocalState(): Record<string, unknown> | null;
  setLocalStateField(field: string, value: unknown): void;
  getStates(): Map<number, Record<string, unknown>>;
  on(event: 'change', listener: (...args: never[]) => void): void;
  off(event: 'change', listener: (...args: never[]) => void): void;
}

/** Someone in the workspace now (one entry per user, however many tabs they have open). */
export interface Participant extends AwarenessUser {
  /** This is the signed-in user. */
  self: boolean;
}

/** Longest name shown (a state is another device's word, not ours). */
const MAX_NAME = 64;
/** Longest id accepted in a state. */
const MAX_ID = 128;
const HEX_COLOR = /^#[0-9a-f]{6}$/i;

/** The cleaned `user` of a state, or null when it has none worth showing. */
export function cleanUser(value: unknown): AwarenessUser | null {
  if (!isRecord(value)) return null;
  const id = typeof value.id === 'string' && value.id.length > 0 ? value.id.slice(0, MAX_ID) : null;
  if (id === null) return null;
  const name = typeof value.name === 'string' && value.name.trim() !== '' ? value.name.trim().slice(0, MAX_NAME) : id;
  const color = typeof value.color === 'string' && HEX_COLOR.test(value.color) ? value.color : userColor(id);
  return { id, name, color };
}

/** A cursor as y-codemirror.next stores it (`{ anchor, head }` relative positions in JSON), or null. */
function cleanCursor(value: unknown): unknown {
  if (!isRecord(value) || !isRelativePosition(value.anchor) || !isRelativePosition(value.head)) return null;
  return { anchor: value.anchor, head: value.head };
}

function isRelativePosition(value: unknown): boolean {
  if (!isRecord(value)) return false;
  const id = (v: unknown) => v === undefined || v === null || (isRecord(v) && Number.isSafeInteger(v.client) && Number.isSafeInteger(v.clock));
  return (
    id(value.type) &&
    id(value.item) &&
    (value.tname === undefined || value.tname === null || typeof value.tname === 'string') &&
    (value.assoc === undefined || typeof value.assoc === 'number')
  );
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A read-through view of an awareness whose remote states are cleaned (see the module comment). */
export class SafeAwareness implements AwarenessLike {
  constructor(private readonly inner: AwarenessLike) {}

  get doc(): { readonly clientID: number } {
    return this.inner.doc;
  }

  get clientID(): number {
    return this.inner.clientID;
  }

  getLocalState(): Record<string, unknown> | null {
    return this.inner.getLocalState();
  }

  setLocalStateField(field: string, value: unknown): void {
    this.inner.setLocalStateField(field, value);
  }

  /** Every state, remote ones cleaned; states without a usable user are left out. */
  getStates(): Map<number, Record<string, unknown>> {
    const clean = new Map<number, Record<string, unknown>>();
    for (const [client, state] of this.inner.getStates()) {
      if (client === this.inner.clientID) {
        clean.set(client, state);
        continue;
      }
      const user = cleanUser(state.user);
      if (user) clean.set(client, { user, cursor: cleanCursor(state.cursor) });
    }
    return clean;
  }

  on(event: 'change', listener: (...args: never[]) => void): void {
    this.inner.on(event, listener);
  }

  off(event: 'change', listener: (...args: never[]) => void): void {
    this.inner.off(event, listener);
  }

  /** The colour of your own awareness state, if it has a valid one. */
  ownColor(): string | null {
    return cleanUser(this.inner.getLocalState()?.user)?.color ?? null;
  }

  /** Who is here: one entry per user id, you first, then by name. */
  participants(selfId: string): Participant[] {
    const byId = new Map<string, Participant>();
    for (const [client, state] of this.getStates()) {
      const user = client === this.inner.clientID ? cleanUser(state.user) : (state.user as AwarenessUser);
      if (user && !byId.has(user.id)) byId.set(user.id, { ...user, self: user.id === selfId });
    }
    return [...byId.values()].sort((a, b) => Number(b.self) - Number(a.self) || a.name.localeCompare(b.name));
  }
}
