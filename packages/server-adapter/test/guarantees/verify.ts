/**
 * The end of a run: the server's history read with `message.history` pages
 * from a fresh client, checked against every acknowledged mutation, and
 * every client's view and stored cursor checked against that history.
 */
import { ErrorCode } from '@parley/sdk/protocol';
import type { Message, RequestArgs, RequestResult, RequestType, RoomInfo } from '@parley/sdk/protocol';
import { FrameError } from '../helpers.js';
import type { TestClient } from '../helpers.js';
import { pause } from './workload.js';
import type { AckLog, AckedMutation } from './ack-log.js';
import type { Findings } from './findings.js';
import type { RevIndex } from './rev-index.js';

/** Pages of history read per room at most. */
const MAX_PAGES = 500;
const PAGE = 200;
/** Waits on the server's rate limit per request at most (a long run reads thousands of edit histories). */
const MAX_RATE_WAITS = 100;

/** One room as the server holds it at the end. */
export interface ServerRoom {
  info: RoomInfo;
  /** Every message, oldest first. */
  history: Message[];
  /** Earlier texts of each edited message that is not deleted, oldest first. */
  earlierTexts: Map<string, string[]>;
}

/** Reads each room's info, whole history and edit histories through `reader`. */
export async function readServer(reader: TestClient, rooms: readonly string[]): Promise<Map<string, ServerRoom>> {
  const out = new Map<string, ServerRoom>();
  for (const room of rooms) {
    const { room: info } = await patiently(reader, 'room.get', { room });
    const history: Message[] = [];
    let before: number | undefined;
    for (let page = 0; ; page++) {
      if (page === MAX_PAGES) throw new Error(`history of ${room} did not end within ${MAX_PAGES} pages`);
      const { messages, hasMore } = await patiently(reader, 'message.history', { room, before, limit: PAGE });
      history.unshift(...messages);
      if (!hasMore || messages.length === 0) break;
      before = messages[0].seq;
    }
    const earlierTexts = new Map<string, string[]>();
    for (const message of history) {
      if (message.editedAt === null || message.deletedAt !== null) continue;
      const { edits } = await patiently(reader, 'message.edits', { messageId: message.id });
      earlierTexts.set(message.id, edits.map((e) => e.text));
    }
    out.set(room, { info, history, earlierTexts });
  }
  return out;
}

/** When each reader connection may send its next request: within the rate the server announced, with a margin. */
const nextAllowed = new WeakMap<TestClient, { tokens: number; at: number }>();

/** Waits until the server's announced rate lets `reader` send one more frame. */
async function paced(reader: TestClient): Promise<void> {
  const rate = reader.welcome?.limits.connectionRate ?? { perSecond: 100, burst: 1000 };
  const perMs = (rate.perSecond * 0.8) / 1000;
  const state = nextAllowed.get(reader) ?? { tokens: rate.burst / 2, at: Date.now() };
  nextAllowed.set(reader, state);
  const now = Date.now();
  state.tokens = Math.min(rate.burst / 2, state.tokens + (now - state.at) * perMs);
  state.at = now;
  if (state.tokens < 1) await pause(Math.ceil((1 - state.tokens) / perMs));
  state.tokens -= 1;
}

/**
 * A request paced to the server's announced rate, which also waits out a
 * rate-limit answer (as long as it says) instead of failing: the end of a
 * long run reads thousands of edit histories.
 */
export async function patiently<T extends RequestType>(reader: TestClient, type: T, args: RequestArgs<T>): Promise<RequestResult<T>> {
  await paced(reader);
  for (let waits = 0; ; waits++) {
    try {
      return await reader.request(type, args);
    } catch (error) {
      if (!(error instanceof FrameError) || error.code !== ErrorCode.RateLimited || waits >= MAX_RATE_WAITS) throw error;
      await pause(error.frame.retryAfterMs ?? 100);
    }
  }
}

/** Checks the history itself and that every acknowledged mutation is in it exactly once; returns the user messages counted. */
export function checkHistory(server: Map<string, ServerRoom>, acks: AckLog, findings: Findings): number {
  const byId = new Map<string, Message>();
  let userMessages = 0;
  for (const [room, { info, history }] of server) {
    history.forEach((message, i) => {
      byId.set(message.id, message);
      if (message.seq !== i + 1) findings.fail('lost', `${room}: history holds seq ${message.seq} at position ${i + 1} (a gap or a repeat)`);
    });
    const revs = new Map<number, string>();
    const keys = new Set<string>();
    for (const message of history) {
      const other = revs.get(message.rev);
      if (other) findings.fail('duplicated', `${room}: messages ${other} and ${message.id} both carry rev ${message.rev}`);
      revs.set(message.rev, message.id);
      if (message.rev > info.rev) findings.fail('outOfOrder', `${room}: message ${message.id} has rev ${message.rev} beyond the room's rev ${info.rev}`);
      if (message.kind !== 'user') continue;
      userMessages += 1;
      const key = `${message.sender}\n${message.clientId ?? ''}`;
      if (keys.has(key)) findings.fail('duplicated', `${room}: ${message.sender}'s send ${message.clientId ?? '?'} is stored twice`);
      keys.add(key);
    }
  }

  const mutations = acks.all();
  for (const ack of mutations) {
    if (ack.kind !== 'send') continue;
    const stored = byId.get(ack.message.id);
    if (!stored || stored.seq !== ack.message.seq || stored.sender !== ack.user || stored.clientId !== ack.args.clientId) {
      findings.fail('lost', `${ack.client}'s acked send ${ack.args.clientId} (${ack.message.id}, seq ${ack.message.seq}) is not in the history`);
    }
  }
  checkEdits(server, byId, mutations, findings);
  for (const ack of mutations) {
    if (ack.kind === 'delete' && byId.get(ack.message.id)?.deletedAt === null) {
      findings.fail('lost', `${ack.client}'s acked delete ${ack.args.clientId} of ${ack.message.id} did not stick`);
    }
  }
  checkReactions(byId, mutations, findings);
  return userMessages;
}

/** Each acked edit of a message still shown appears exactly once among its versions. */
function checkEdits(server: Map<string, ServerRoom>, byId: Map<string, Message>, mutations: AckedMutation[], findings: Findings): void {
  const earlier = new Map<string, string[]>();
  for (const room of server.values()) for (const [id, texts] of room.earlierTexts) earlier.set(id, texts);
  for (const ack of mutations) {
    if (ack.kind !== 'edit') continue;
    const message = byId.get(ack.message.id);
    if (!message || message.deletedAt !== null) continue; // a delete drops the versions
    const versions = [...(earlier.get(message.id) ?? []), message.text].slice(1);
    const times = versions.filter((text) => text === ack.args.text).length;
    if (times === 0) findings.fail('lost', `${ack.client}'s acked edit ${ack.args.clientId} of ${message.id} is not among its versions`);
    if (times > 1) findings.fail('duplicated', `${ack.client}'s edit ${ack.args.clientId} of ${message.id} was applied ${times} times`);
  }
}

/** The last acked reaction change of each (user, message, emoji) decides whether it is on. */
function checkReactions(byId: Map<string, Message>, mutations: AckedMutation[], findings: Findings): void {
  const last = new Map<string, AckedMutation>();
  for (const ack of mutations) {
    if (ack.kind !== 'react') continue;
    const key = `${ack.user}\n${ack.message.id}\n${ack.args.emoji ?? ''}`;
    const seen = last.get(key);
    if (!seen || ack.order > seen.order) last.set(key, ack);
  }
  for (const ack of last.values()) {
    const message = byId.get(ack.message.id);
    if (!message || message.deletedAt !== null) continue; // a delete drops the reactions
    const on = (message.reactions[ack.args.emoji ?? ''] ?? []).includes(ack.user);
    if (on !== ack.args.on) {
      findings.fail('lost', `${ack.client}'s acked reaction ${ack.args.clientId} (${ack.args.emoji} ${ack.args.on ? 'on' : 'off'}) on ${message.id} is ${on ? 'on' : 'off'}`);
    }
  }
}

/** Compares one client's view of a room with the history; counts one mismatch per (client, room). */
export function compareView(client: string, room: string, view: readonly Message[], history: readonly Message[], findings: Findings): void {
  const differences: string[] = [];
  const seen = new Set<string>();
  for (const message of view) {
    if (seen.has(message.id)) findings.fail('duplicated', `${client} ${room}: message ${message.id} (seq ${message.seq}) shows twice`);
    seen.add(message.id);
  }
  for (let i = 1; i < view.length; i++) {
    if (view[i].seq <= view[i - 1].seq) differences.push(`seq ${view[i].seq} shown after seq ${view[i - 1].seq}`);
  }
  const held = new Map(view.map((m) => [m.id, m]));
  for (const message of history) {
    const mine = held.get(message.id);
    if (!mine) differences.push(`missing seq ${message.seq} (rev ${message.rev})`);
    else if (canonical(mine) !== canonical(message)) {
      differences.push(`seq ${message.seq}: holds rev ${mine.rev} ${describe(mine)}, server rev ${message.rev} ${describe(message)}`);
    }
    held.delete(message.id);
  }
  for (const extra of held.values()) differences.push(`holds ${extra.id} (seq ${extra.seq}) the server does not`);
  if (differences.length > 0) {
    const shown = differences.slice(0, 6).join('; ');
    findings.fail('viewMismatches', `${client} ${room}: ${differences.length} differences: ${shown}${differences.length > 6 ? '; …' : ''}`);
  }
}

/**
 * The highest rev up to which `view` holds the room as the server does:
 * every message whose latest change is at or below it is held at that change.
 */
export function heldThrough(view: readonly Message[], server: ServerRoom): number {
  const held = new Map(view.map((m) => [m.id, m.rev]));
  const byRev = [...server.history].sort((a, b) => a.rev - b.rev);
  for (const message of byRev) if (held.get(message.id) !== message.rev) return message.rev - 1;
  return server.info.rev;
}

/** What a client must show of a message, as one comparable string. */
function canonical(message: Message): string {
  const reactions = Object.entries(message.reactions)
    .filter(([, users]) => users.length > 0)
    .map(([emoji, users]) => `${emoji}:${[...users].sort().join(',')}`)
    .sort();
  return JSON.stringify([
    message.seq,
    message.rev,
    message.sender,
    message.clientId,
    message.kind,
    message.text,
    message.deletedAt !== null,
    message.parentId,
    message.replyCount,
    reactions,
  ]);
}

function describe(message: Message): string {
  const reactions = Object.entries(message.reactions).map(([e, u]) => `${e}${u.length}`).join('');
  return `"${message.text.slice(0, 40)}"${message.deletedAt !== null ? ' deleted' : ''} replies ${message.replyCount}${reactions ? ` ${reactions}` : ''}`;
}

/**
 * Judges the revs live streams left out. The protocol lets a stream skip a
 * change that was superseded, delivering its message later in the newer
 * state read back from storage. So a left-out rev N of message m is
 * - allowed when nobody ever saw rev N (superseded before it reached
 *   anyone), or the stream carried m at a rev above N;
 * - not judged when m's final rev is beyond the stream's end (the newer
 *   state could have come after the connection ended);
 * - a violation otherwise: m never changed after N, or its newer state was
 *   due before the stream's end and did not come. Each counts in
 *   `liveGaps`, with a note saying which connection missed what.
 */
export function judgeLiveGaps(findings: Findings, revs: RevIndex, server: Map<string, ServerRoom>, acks: AckLog): void {
  const explained = new Set<string>();
  const finalRevs = new Map<string, number>();
  for (const state of server.values()) for (const message of state.history) finalRevs.set(message.id, message.rev);
  for (const gap of findings.gaps) {
    const state = server.get(gap.room);
    const missed: number[] = [];
    for (const rev of gap.revs) {
      const id = revs.messageAt(gap.room, rev) ?? state?.history.find((m) => m.rev === rev)?.id;
      const later = id === undefined ? undefined : gap.delivered.get(id);
      const final = id === undefined ? undefined : finalRevs.get(id);
      if (id === undefined || (later !== undefined && later > rev)) findings.figures.supersededGaps += 1;
      else if (final !== undefined && final > gap.through) findings.figures.unjudgedGaps += 1;
      else missed.push(rev);
    }
    if (missed.length === 0) continue;
    findings.fail('liveGaps', `${gap.client} ${gap.room}: never received rev ${shortList(missed)} (${gap.where})`, missed.length);
    for (const rev of missed.slice(0, 3)) {
      if (explained.has(`${gap.room}@${rev}`)) continue;
      explained.add(`${gap.room}@${rev}`);
      findings.note('missing-rev', `${gap.room} rev ${rev}: ${explainRev(gap.room, rev, acks, state)}`);
    }
  }
}

/** `3, 4, 5 … 40` style, for notes. */
function shortList(revs: number[]): string {
  return revs.length <= 8 ? revs.join(', ') : `${revs.slice(0, 6).join(', ')} … ${revs[revs.length - 1]} (${revs.length})`;
}

/** What a rev was, as far as the acks and the history tell (for notes about a missing rev). */
function explainRev(room: string, rev: number, acks: AckLog, server: ServerRoom | undefined): string {
  for (const ack of acks.all()) {
    if (ack.message.room !== room) continue;
    if (ack.message.rev === rev) return `${ack.kind} ${ack.args.clientId} by ${ack.client} (seq ${ack.message.seq}), acked through ${ack.where}`;
    if (ack.kind === 'send' && ack.args.parentId && ack.message.rev === rev - 1) {
      return `reply count of the parent of ${ack.client}'s reply ${ack.args.clientId} (seq ${ack.message.seq}), acked through ${ack.where}`;
    }
  }
  const current = server?.history.find((m) => m.rev === rev);
  return current ? `the latest change of seq ${current.seq} (${current.kind})` : 'not known (superseded, and no ack names it)';
}
