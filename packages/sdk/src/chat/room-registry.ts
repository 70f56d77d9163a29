/**
 * The client's knowledge of its rooms: info, loaded messages, resume cursor,
 * gap, members. Everything the server says (events, acks, sync pages, room
 * lists, history) is merged here, cached through the writer, and turned into
 * {@link RoomState}s for the store on commit.
 *
 * Cursor rules (they decide what the next resume asks for): the cursor is the
 * last position up to which the client holds *everything*, never merely the
 * newest thing it saw, so no ordering fault anywhere can make a resume skip
 * a change.
 * - a live event moves `rev` (and `seq`) forward only when it is the next rev
 *   (`cursor.rev + 1`); one further ahead is applied to the list but only
 *   remembered (`ahead`), and joins the cursor once the revs before it have
 *   arrived. A gap that does not close by itself is caught up with `sync`
 *   for that room (`RoomsContext.liveGap`);
 * - a sync page with `more` moves `rev` to its last message (pages come in
 *   rev order from the cursor asked for); the last page moves both to the
 *   room's values at the time of the read; remembered revs then join if
 *   they follow on;
 * - acks do not move it: the matching live event does, in room order.
 */
import type { ReadStateManager } from '../managers/read-state.js';
import type { TypingManager } from '../managers/typing.js';
import type { OfflineWriter } from '../offline/writer.js';
import type { OfflineSnapshot, OutboxEntry, RoomCursorState, RoomRecord } from '../offline/types.js';
import type { RequestResult, RoomCursor, RoomSync } from '../protocol/frames.js';
import type { MemberInfo, Message, RoomInfo } from '../protocol/model.js';
import { MessageList } from './message-list.js';
import type { MergeResult } from './message-list.js';
import type { RoomState } from './chat-state.js';
import { MessageView } from './message-view.js';
import type { ChatEventSink } from './chat-events.js';

/** Where a message came from; decides cursor moves and notifications. */
export type MessageSource = 'live' | 'sync' | 'ack' | 'history' | 'thread';

/** One room's internal model. */
export class RoomModel {
  info: RoomInfo | null = null;
  readonly list = new MessageList();
  cursor: RoomCursorState = { seq: 0, rev: 0 };
  /** Live events received beyond the cursor's next rev: rev → the message's seq. */
  readonly ahead = new Map<number, number>();
  /** The `lastSeq` of the last info the server sent: its unread count already includes messages up to here. */
  countedSeq = 0;
  gap: { from: number; to: number } | null = null;
  members: readonly MemberInfo[] | null = null;
  readonly view = new MessageView();

  constructor(readonly id: string) {}

  /** The cached form. */
  record(): RoomRecord {
    return { id: this.id, info: this.info, cursor: { ...this.cursor }, gap: this.gap };
  }
}

/** What the registry needs from the client. */
export interface RoomsContext {
  me(): string;
  entries(): readonly OutboxEntry[];
  writer(): OfflineWriter | null;
  readState: ReadStateManager;
  typing: TypingManager;
  events: ChatEventSink;
  /** A live event skipped ahead of the room's cursor: the client catches the room up if the gap stays open. */
  liveGap(room: string): void;
}

/** Rooms the resume refreshes members of, so our messages can show delivered/read. */
const SMALL_ROOM = 50;
/** Revs remembered ahead of a room's cursor; past this the oldest are forgotten (a catch-up brings them again). */
const MAX_AHEAD = 10_000;

/** See the module comment. */
export class RoomRegistry {
  private readonly models = new Map<string, RoomModel>();
  private readonly dirty = new Set<string>();
  private readonly removed = new Set<string>();
  private outboxRooms = new Set<string>();

  constructor(private readonly ctx: RoomsContext) {}

  /** The model of a room, if known. */
  get(id: string): RoomModel | undefined {
    return this.models.get(id);
  }

  /** The model of a room, created empty when unknown. */
  ensure(id: string): RoomModel {
    let model = this.models.get(id);
    if (!model) {
      this.models.set(id, (model = new RoomModel(id)));
      this.removed.delete(id);
      this.dirty.add(id);
    }
    return model;
  }

  /** Every known room. */
  all(): IterableIterator<RoomModel> {
    return this.models.values();
  }

  /** Marks a room for rebuilding at the next commit. */
  touch(id: string): void {
    if (this.models.has(id)) this.dirty.add(id);
  }

  /** Forgets everything (logout or dispose). */
  reset(): void {
    for (const id of this.models.keys()) this.removed.add(id);
    this.models.clear();
    this.dirty.clear();
    this.outboxRooms.clear();
  }

  /** Takes over what the offline store had. */
  load(snapshot: OfflineSnapshot): void {
    for (const record of snapshot.rooms) {
      const model = this.ensure(record.id);
      model.info = record.info;
      model.countedSeq = record.info?.lastSeq ?? 0;
      model.cursor = { ...record.cursor };
      model.gap = record.gap ?? null;
      const floor = record.info?.floorSeq ?? 0;
      for (const message of snapshot.messages[record.id] ?? []) {
        if (message.seq > floor) model.list.merge(message, { knownSeq: 0, contiguous: true });
      }
    }
    // Queued messages show even in rooms the cache knows nothing else about.
    for (const entry of snapshot.outbox) this.ensure(entry.room);
  }

  /** Cursors for `sync`. */
  cursors(): RoomCursor[] {
    return [...this.models.values()].map((m) => ({ room: m.id, seq: m.cursor.seq, rev: m.cursor.rev }));
  }

  /** Applies one round of `sync` answers. */
  applySync(results: readonly RoomSync[]): void {
    for (const result of results) {
      if (result.removed) {
        this.remove(result.room, 'left');
        continue;
      }
      const model = this.ensure(result.room);
      for (const message of result.messages) this.applyMessage(message, 'sync');
      if (result.gap) {
        model.gap = result.gap;
        this.ctx.events.emit('gap', { room: model.id, ...result.gap });
      }
      if (result.more) {
        // A page holds every change after the cursor asked for up to its last one.
        const last = result.messages[result.messages.length - 1];
        if (last) this.advance(model, last.rev, 0);
      } else {
        // The last page: everything up to the room's rev and seq when the server read them.
        this.advance(model, result.rev, result.lastSeq);
      }
      this.persist(model);
    }
  }

  /** Rooms whose live events skipped ahead of their cursor and have not closed the gap. */
  gapped(): string[] {
    const out: string[] = [];
    for (const model of this.models.values()) if (model.ahead.size > 0) out.push(model.id);
    return out;
  }

  /** Applies `rooms.list`: the authoritative set of rooms the user is in. */
  applyRooms(result: RequestResult<'rooms.list'>): void {
    const ids = new Set(result.rooms.map((r) => r.id));
    const queued = new Set(this.ctx.entries().map((e) => e.room));
    for (const model of [...this.models.values()]) {
      // A room we only know from queued messages is not one we left.
      if (ids.has(model.id) || (model.info === null && queued.has(model.id))) continue;
      if (model.info?.role !== null) this.remove(model.id, 'left');
    }
    for (const info of result.rooms) this.setInfo(info);
  }

  /** Rooms whose member markers are worth fetching after a resume. */
  roomsNeedingMarkers(): string[] {
    const me = this.ctx.me();
    const out: string[] = [];
    for (const model of this.models.values()) {
      if (!model.info || model.info.memberCount > SMALL_ROOM || model.members) continue;
      const all = model.list.all();
      for (let i = all.length - 1; i >= 0; i--) {
        if (all[i].sender !== me) continue;
        if (all[i].seq > this.ctx.readState.markers(model.id).read) out.push(model.id);
        break;
      }
    }
    return out;
  }

  /** Peers of direct rooms (their presence is shown). */
  directPeers(): string[] {
    const peers = new Set<string>();
    for (const model of this.models.values()) if (model.info?.peer) peers.add(model.info.peer);
    return [...peers];
  }

  /** A room's info arrived or changed. */
  setInfo(info: RoomInfo): void {
    const model = this.ensure(info.id);
    if (model.cursor.seq === 0 && model.cursor.rev === 0) {
      // First sight of the room: start from now; history loads on demand.
      // (Live events that beat this info here are remembered ahead and join now.)
      this.advance(model, info.rev, info.lastSeq);
    }
    model.info = info;
    model.countedSeq = Math.max(model.countedSeq, info.lastSeq);
    // Retention removed these on the server; the cache drops them when it loads.
    if (info.floorSeq > 0) model.list.dropThrough(info.floorSeq);
    this.dirty.add(model.id);
    this.persist(model);
  }

  /** Merges one message; returns what happened. */
  applyMessage(message: Message, source: MessageSource): MergeResult {
    const model = this.ensure(message.room);
    const knownSeq = model.cursor.seq;
    const result = model.list.merge(message, { knownSeq, contiguous: source === 'history' });
    if (source === 'live') this.liveRev(model, message);
    if (result === 'ignored') return result;
    this.dirty.add(model.id);
    this.ctx.writer()?.putMessages(model.id, [message]);
    const fresh = result === 'added' && message.seq > knownSeq && (source === 'live' || source === 'sync');
    if (fresh) this.arrived(model, message);
    return result;
  }

  /** A new message from the server (not one of ours coming back). */
  private arrived(model: RoomModel, message: Message): void {
    const me = this.ctx.me();
    if (model.info) {
      const counted = message.seq <= model.countedSeq;
      const info = { ...model.info, lastSeq: Math.max(model.info.lastSeq, message.seq) };
      if (!counted && message.sender !== me && message.kind === 'user' && message.seq > info.readSeq) info.unread += 1;
      model.info = info;
    }
    if (message.sender === me) return;
    this.ctx.readState.noteDelivered(model.id, message.seq);
    this.ctx.typing.received(model.id, message.sender, false);
    if (message.kind !== 'user') return;
    this.ctx.events.emit('message', message);
    if (message.mentions.includes(me)) this.ctx.events.emit('mention', message);
    if (model.info?.kind === 'direct') this.ctx.events.emit('direct-message', message);
  }

  /** Our read marker and unread count (set locally, by an ack or by another device of ours). */
  setRead(room: string, readSeq: number, unread: number): void {
    const model = this.models.get(room);
    if (!model?.info) return;
    const info = model.info;
    // Markers never move back; a stale answer must not resurrect unread counts.
    if (readSeq < info.readSeq || (readSeq === info.readSeq && unread === info.unread)) return;
    model.info = { ...info, readSeq, unread };
    this.dirty.add(room);
    this.persist(model);
  }

  /** A member list was loaded. */
  setMembers(room: string, members: readonly MemberInfo[]): void {
    const model = this.ensure(room);
    model.members = members;
    this.ctx.readState.setMembers(room, members);
    this.dirty.add(room);
  }

  /** A member joined, changed or left. */
  memberChanged(room: string, member: MemberInfo, gone: boolean): void {
    const model = this.models.get(room);
    if (!model?.members) return;
    const rest = model.members.filter((m) => m.user !== member.user);
    model.members = gone ? rest : [...rest, member];
    this.dirty.add(room);
  }

  /** The user is no longer in the room (or it is gone). */
  remove(id: string, reason: 'left' | 'kicked' | 'banned'): void {
    if (!this.models.delete(id)) return;
    this.dirty.delete(id);
    this.removed.add(id);
    this.ctx.writer()?.deleteRoom(id);
    this.ctx.readState.forget(id);
    this.ctx.events.emit('room.removed', { room: id, reason });
    // Queued or failed messages for it stay visible until sent or discarded.
    if (this.ctx.entries().some((e) => e.room === id)) this.ensure(id);
  }

  /** The outbox changed: rebuild rooms that had or have entries. */
  outboxChanged(): void {
    const now = new Set(this.ctx.entries().map((e) => e.room));
    for (const id of now) this.touch(id);
    for (const id of this.outboxRooms) this.touch(id);
    this.outboxRooms = now;
  }

  /** Total unread over all rooms. */
  unreadTotal(): number {
    let total = 0;
    for (const model of this.models.values()) total += model.info?.unread ?? 0;
    return total;
  }

  /** Builds changed rooms into a new rooms record, or returns null when nothing changed. */
  commit(previous: Readonly<Record<string, RoomState>>): Record<string, RoomState> | null {
    if (this.dirty.size === 0 && this.removed.size === 0) return null;
    const next = { ...previous };
    for (const id of this.removed) delete next[id];
    const entries = this.ctx.entries();
    for (const id of this.dirty) {
      const model = this.models.get(id);
      if (model) next[id] = this.roomState(model, entries, previous[id]);
    }
    this.dirty.clear();
    this.removed.clear();
    return next;
  }

  private roomState(model: RoomModel, allEntries: readonly OutboxEntry[], previous: RoomState | undefined): RoomState {
    const me = this.ctx.me();
    const messages = model.view.build({
      messages: model.list.all(),
      entries: allEntries.filter((e) => e.room === model.id),
      me,
      markers: this.ctx.readState.markers(model.id),
      committedId: (clientId) => model.list.idFor(me, clientId),
    });
    const floor = model.info?.floorSeq ?? 0;
    const oldest = model.list.oldestSeq() ?? model.cursor.seq + 1;
    const typing = this.ctx.typing.users(model.id);
    return {
      id: model.id,
      info: model.info,
      messages,
      hasOlder: oldest - 1 > floor,
      typing: previous && sameList(previous.typing, typing) ? previous.typing : typing,
      members: model.members,
      gap: model.gap,
    };
  }

  /** A live event's rev: the cursor's next one moves it, one further ahead is remembered. */
  private liveRev(model: RoomModel, message: Message): void {
    const { rev, seq } = message;
    if (rev <= model.cursor.rev) return;
    if (rev === model.cursor.rev + 1) {
      this.advance(model, rev, seq);
      this.persist(model);
      return;
    }
    if (model.ahead.size >= MAX_AHEAD) model.ahead.delete(Math.min(...model.ahead.keys()));
    model.ahead.set(rev, seq);
    this.ctx.liveGap(model.id);
  }

  /**
   * The client now holds everything up to `rev` (and `seq`): moves the cursor
   * there if it is further, then over remembered revs that follow on.
   */
  private advance(model: RoomModel, rev: number, seq: number): void {
    let cursor = { seq: Math.max(model.cursor.seq, seq), rev: Math.max(model.cursor.rev, rev) };
    const ahead = model.ahead;
    if (ahead.size > 0) {
      for (const known of [...ahead.keys()]) if (known <= cursor.rev) ahead.delete(known);
      for (let next = ahead.get(cursor.rev + 1); next !== undefined; next = ahead.get(cursor.rev + 1)) {
        ahead.delete(cursor.rev + 1);
        cursor = { seq: Math.max(cursor.seq, next), rev: cursor.rev + 1 };
      }
    }
    model.cursor = cursor;
  }

  private persist(model: RoomModel): void {
    this.ctx.writer()?.putRoom(model.record());
  }
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}
