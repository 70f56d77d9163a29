/**
 * Calls across nodes. A room's call runs on the node that owns it (see
 * `call-directory.ts`); a `call.*` request from a client connected to
 * another node is forwarded over the bus to the owner's topic `node:<id>`
 * with a request id, run there by the same handler against a *remote
 * connection*, and answered on the asking node's topic. The owner checks
 * membership, policy and room mutes itself (storage is shared). Events for
 * the remote participant travel the same way and the asking node writes
 * them to the socket. Media never passes here: transports are created on the
 * owner's router, so ICE candidates carry the owner's address.
 *
 * Cleanup: the asking node tells the owner when its socket closes or its
 * user leaves the room; it sends the owner a heartbeat while it has
 * participants there, and the owner drops them when the heartbeats stop
 * (the node died). The asking node checks the owner's claim just as often:
 * when it is gone or another node's, the owner died (or lost the call) and
 * the participant hears `call.rejoin`. A forwarded request without an answer
 * within `forwardTimeoutMs` fails with `call_unavailable` and a retry delay.
 *
 * Bus messages are JSON in the `frame` field, never through room ordering
 * (`node:` topics are not `room:` topics).
 */
import { ErrorCode } from '@parley/sdk/protocol';
import type { CallRequests, UserInfo } from '@parley/sdk/protocol';
import type { Logger } from 'pino';
import type { Bus } from '../bus/bus.js';
import type { HandlerMap, HandlerServices, RequestContext } from '../handlers/services.js';
import { RequestError, toRequestError } from '../errors.js';
import { OwnedElsewhere } from './call-directory.js';
import type { CallDirectory } from './call-directory.js';
import type { CallConnection } from './participant.js';

type CallRequest = keyof CallRequests;
type AnyHandler = (ctx: RequestContext, args: { room: string }) => Promise<unknown>;

/** Between nodes, on `node:<id>` topics. `c` is a connection id on the asking node, `ref` one forwarded join. */
type NodeMessage =
  | { k: 'req'; id: number; from: string; c: string; ref: number | null; user: UserInfo; type: CallRequest; args: { room: string } }
  | { k: 'res'; id: number; ok: true; result: unknown }
  | { k: 'res'; id: number; ok: false; code: ErrorCode; message: string; retryAfterMs?: number }
  | { k: 'ev'; c: string; room: string; ref: number | null; frame: string }
  | { k: 'left'; c: string; room: string; ref: number }
  | { k: 'closed'; from: string; c: string }
  | { k: 'lost'; from: string; room: string; user: string }
  | { k: 'hb'; from: string };

/** The bus topic a node listens on for calls. */
export function nodeTopic(nodeId: string): string {
  return `node:${nodeId}`;
}

/** A client of this node in a call another node hosts. */
interface RemoteMembership {
  ref: number;
  owner: string;
  room: string;
  user: string;
  connection: CallConnection;
  /** Events held until the join's answer is on the wire (null once released). */
  held: string[] | null;
  /** The owner said the participant is gone while events were still held. */
  ended: boolean;
}

/** What the cluster needs from the server. */
export interface CallClusterOptions {
  /** What forwarded requests run with (the same services local ones get). */
  services: HandlerServices;
  bus: Bus;
  directory: CallDirectory;
  /** The handlers that act on this node's calls. */
  handlers: HandlerMap<CallRequest>;
  logger: Logger;
}

/** See the module comment. */
export class CallCluster {
  readonly #services: HandlerServices;
  readonly #bus: Bus;
  readonly #directory: CallDirectory;
  readonly #handlers: HandlerMap<CallRequest>;
  readonly #logger: Logger;
  readonly #nodeId: string;
  readonly #unsubscribe: () => void;
  readonly #timer: NodeJS.Timeout;
  // ── as the asking node ──
  /** `<connection id> <room>` → the membership on the owner. */
  readonly #memberships = new Map<string, RemoteMembership>();
  /** This node's connections that forwarded requests, and the owners they reached (told when the socket closes). */
  readonly #forwarded = new Map<string, { connection: CallConnection; owners: Set<string> }>();
  readonly #pending = new Map<number, { resolve(result: unknown): void; reject(error: unknown): void; timer: NodeJS.Timeout }>();
  #nextId = 1;
  #nextRef = 1;
  // ── as the owner ──
  /** Asking nodes: when they were last heard, and the ids of their connections here. */
  readonly #askers = new Map<string, { heardAt: number; connections: Set<string> }>();
  #closed = false;

  /** Subscribes to this node's topic and starts the heartbeat. */
  constructor(options: CallClusterOptions) {
    this.#services = options.services;
    this.#bus = options.bus;
    this.#directory = options.directory;
    this.#handlers = options.handlers;
    this.#logger = options.logger.child({ component: 'call-cluster' });
    this.#nodeId = options.directory.nodeId;
    this.#unsubscribe = this.#bus.subscribe(nodeTopic(this.#nodeId), (message) => this.#receive(message.frame));
    this.#timer = setInterval(() => void this.#beat(), Math.floor(this.#options.ownerTtlMs / 3));
    this.#timer.unref();
  }

  get #options() {
    return this.#services.options.calls;
  }

  /** Runs a call request here when this node hosts (or opens) the call, else on the owner. */
  async handle(ctx: RequestContext, type: CallRequest, args: { room: string }): Promise<unknown> {
    const local = this.#handlers[type] as AnyHandler;
    const key = membershipKey(ctx.connection.id, args.room);
    if (type === 'call.join') {
      this.#checkConnectionCalls(ctx.connection.id, args.room);
      let owner: string | null;
      try {
        owner = this.#services.calls.hosts(args.room) ? this.#nodeId : await this.#directory.owner(args.room);
      } catch (error) {
        this.#logger.warn({ err: error }, 'call directory lookup failed');
        throw unavailable('calls are briefly unavailable (the call directory cannot be reached); try again');
      }
      if (owner === null || owner === this.#nodeId) {
        try {
          const result = await local(ctx, args);
          this.#memberships.delete(key);
          return result;
        } catch (error) {
          if (!(error instanceof OwnedElsewhere)) throw error;
          owner = error.owner;
        }
      }
      return this.#forwardJoin(ctx, owner, args);
    }
    const membership = this.#memberships.get(key);
    if (!membership) return local(ctx, args);
    if (type === 'call.leave') {
      this.#memberships.delete(key);
      try {
        await this.#request(membership.owner, ctx, type, args, null);
      } catch (error) {
        // The owner is gone or silent: its call is gone with it, or it drops the participant with our socket.
        if (!(error instanceof RequestError && error.code === ErrorCode.CallUnavailable)) throw error;
      }
      return {};
    }
    return this.#request(membership.owner, ctx, type, args, null);
  }

  /** A socket of this node closed: owners it reached drop its participants. */
  connectionClosed(connectionId: string): void {
    const forwarded = this.#forwarded.get(connectionId);
    if (!forwarded) return;
    this.#forwarded.delete(connectionId);
    for (const [key, membership] of this.#memberships) {
      if (membership.connection.id === connectionId) this.#memberships.delete(key);
    }
    for (const owner of forwarded.owners) this.#send(owner, { k: 'closed', from: this.#nodeId, c: connectionId });
  }

  /** A user of this node is no longer a member of `room`: the owner removes them from its call. */
  membershipLost(room: string, user: string): void {
    const owners = new Set<string>();
    for (const membership of this.#memberships.values()) {
      if (membership.room === room && membership.user === user) owners.add(membership.owner);
    }
    // The membership itself goes when the owner says the participant left (its `removed` event comes first).
    for (const owner of owners) this.#send(owner, { k: 'lost', from: this.#nodeId, room, user });
  }

  /** Stops listening; forwarded requests still waiting fail. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#timer);
    this.#unsubscribe();
    for (const pending of this.#pending.values()) {
      clearTimeout(pending.timer);
      pending.reject(unavailable('the server is shutting down'));
    }
    this.#pending.clear();
  }

  // ── asking node ───────────────────────────────────────────────────────────

  /**
   * A connection's calls may be hosted by different nodes, so its quota of
   * calls is counted here, where the connection is: the calls of this node
   * and those it joined elsewhere. Its place in `room`'s call does not count.
   */
  #checkConnectionCalls(connectionId: string, room: string): void {
    const rooms = new Set(this.#services.calls.roomsOf(connectionId));
    for (const membership of this.#memberships.values()) if (membership.connection.id === connectionId) rooms.add(membership.room);
    rooms.delete(room);
    const max = this.#services.options.quotas.maxCallsPerConnection;
    if (rooms.size >= max) {
      throw new RequestError(ErrorCode.Conflict, `this connection is in ${rooms.size} other call(s) (the most per connection); leave first`);
    }
  }

  async #forwardJoin(ctx: RequestContext, owner: string, args: { room: string }): Promise<unknown> {
    const key = membershipKey(ctx.connection.id, args.room);
    const previous = this.#memberships.get(key);
    const membership: RemoteMembership = {
      ref: this.#nextRef++,
      owner,
      room: args.room,
      user: ctx.user.id,
      connection: ctx.connection,
      held: [],
      ended: false,
    };
    this.#memberships.set(key, membership);
    let result: unknown;
    try {
      result = await this.#request(owner, ctx, 'call.join', args, membership.ref);
    } catch (error) {
      if (this.#memberships.get(key) === membership) {
        if (previous) this.#memberships.set(key, previous);
        else this.#memberships.delete(key);
      }
      throw error;
    }
    // Events for the new participant wait until this answer is on the wire, as on the owner.
    ctx.defer(() => {
      const held = membership.held ?? [];
      membership.held = null;
      for (const frame of held) membership.connection.deliver(frame);
      if (membership.ended && this.#memberships.get(key) === membership) this.#memberships.delete(key);
      return Promise.resolve();
    });
    return result;
  }

  /** Sends one request to `owner`; resolves with its result, rejects with its error or `call_unavailable` when no answer comes in time. */
  #request(owner: string, ctx: RequestContext, type: CallRequest, args: { room: string }, ref: number | null): Promise<unknown> {
    // While the bus cannot reach the other nodes, say so now rather than after the forward timeout.
    const bus = this.#bus.health?.();
    if (bus && bus.status !== 'ok') return Promise.reject(unavailable('the servers cannot reach each other right now; try again'));
    const id = this.#nextId++;
    let forwarded = this.#forwarded.get(ctx.connection.id);
    if (!forwarded) this.#forwarded.set(ctx.connection.id, (forwarded = { connection: ctx.connection, owners: new Set() }));
    forwarded.owners.add(owner);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(unavailable('the server hosting this call did not answer; try again'));
      }, this.#options.forwardTimeoutMs);
      timer.unref();
      this.#pending.set(id, { resolve, reject, timer });
      const message: NodeMessage = { k: 'req', id, from: this.#nodeId, c: ctx.connection.id, ref, user: ctx.user, type, args };
      // A request still unsent when the asker stops waiting is dropped, not run late on the owner.
      const expiresAt = Date.now() + this.#options.forwardTimeoutMs;
      this.#bus.publish(nodeTopic(owner), { frame: JSON.stringify(message), expiresAt }).catch(() => {
        if (!this.#pending.delete(id)) return;
        clearTimeout(timer);
        reject(unavailable('the servers cannot reach each other right now; try again'));
      });
    });
  }

  #answered(message: Extract<NodeMessage, { k: 'res' }>): void {
    const pending = this.#pending.get(message.id);
    if (!pending) return;
    this.#pending.delete(message.id);
    clearTimeout(pending.timer);
    if (message.ok) pending.resolve(message.result);
    else pending.reject(new RequestError(message.code, message.message, message.retryAfterMs));
  }

  /** An event from the owner for a participant of ours. */
  #event(message: Extract<NodeMessage, { k: 'ev' }>): void {
    const membership = this.#memberships.get(membershipKey(message.c, message.room));
    if (membership && membership.ref === message.ref && membership.held) {
      membership.held.push(message.frame);
      return;
    }
    // Also events for a participant just replaced or removed: they were meant for this socket.
    (membership?.connection ?? this.#forwarded.get(message.c)?.connection)?.deliver(message.frame);
  }

  #left(message: Extract<NodeMessage, { k: 'left' }>): void {
    const key = membershipKey(message.c, message.room);
    const membership = this.#memberships.get(key);
    if (!membership || membership.ref !== message.ref) return;
    if (membership.held) membership.ended = true;
    else this.#memberships.delete(key);
  }

  /**
   * The heartbeat: tells each owner we still have participants there, checks
   * that each owner still holds its call (else `call.rejoin`), and, as an
   * owner, drops the participants of asking nodes that went silent.
   */
  async #beat(): Promise<void> {
    const owners = new Set<string>();
    const rooms = new Set<string>();
    for (const membership of this.#memberships.values()) {
      owners.add(membership.owner);
      rooms.add(membership.room);
    }
    for (const owner of owners) this.#send(owner, { k: 'hb', from: this.#nodeId });
    this.#dropSilentAskers();
    for (const room of rooms) {
      let owner: string | null;
      try {
        owner = await this.#directory.owner(room);
      } catch {
        return; // Redis is away: nothing can be said about owners now.
      }
      for (const [key, membership] of this.#memberships) {
        if (membership.room !== room || membership.owner === owner) continue;
        this.#memberships.delete(key);
        this.#logger.info({ room, owner: membership.owner }, 'the node hosting a call is gone; asking its participant here to rejoin');
        const frame = JSON.stringify({ type: 'call.rejoin', room, reason: 'the server hosting the call is gone; join again' });
        if (membership.held) membership.held.push(frame);
        else membership.connection.deliver(frame);
      }
    }
  }

  // ── owner ─────────────────────────────────────────────────────────────────

  /** Runs a forwarded request with the same handler as a local one, then answers it. */
  async #serve(message: Extract<NodeMessage, { k: 'req' }>): Promise<void> {
    const { from, c, ref } = message;
    const asker = this.#heard(from);
    const connection = new RemoteConnection(`${from}/${c}`, message.args.room, {
      deliver: (room, frame) => this.#send(from, { k: 'ev', c, room, ref, frame }),
      left: (room) => {
        if (ref !== null) this.#send(from, { k: 'left', c, room, ref });
      },
    });
    asker.connections.add(connection.id);
    const deferred: Array<() => Promise<void>> = [];
    const now = Date.now();
    const ctx: RequestContext = {
      services: this.#services,
      user: message.user,
      connection,
      now,
      receivedAt: now,
      defer: (fn) => deferred.push(fn),
      committing: () => undefined,
    };
    let answer: NodeMessage;
    try {
      const handler = this.#handlers[message.type] as AnyHandler | undefined;
      if (!handler) throw new RequestError(ErrorCode.BadRequest, 'not a call request');
      answer = { k: 'res', id: message.id, ok: true, result: await handler(ctx, message.args) };
    } catch (error) {
      const known = error instanceof OwnedElsewhere ? unavailable('the call moved to another server; try again') : toRequestError(error);
      if (!known) this.#logger.error({ err: error, op: message.type }, 'forwarded call request failed');
      answer = known
        ? { k: 'res', id: message.id, ok: false, code: known.code, message: known.message, ...(known.retryAfterMs === undefined ? {} : { retryAfterMs: known.retryAfterMs }) }
        : { k: 'res', id: message.id, ok: false, code: ErrorCode.Internal, message: 'internal server error' };
    }
    // The answer goes out before anything deferred (held join events), on the same ordered channel.
    this.#send(from, answer);
    for (const fn of deferred) await fn().catch((error: unknown) => this.#logger.error({ err: error }, 'forwarded fan-out failed'));
  }

  #heard(node: string): { heardAt: number; connections: Set<string> } {
    let asker = this.#askers.get(node);
    if (!asker) this.#askers.set(node, (asker = { heardAt: 0, connections: new Set() }));
    asker.heardAt = Date.now();
    return asker;
  }

  /** Asking nodes silent for longer than the TTL died: their participants leave. */
  #dropSilentAskers(): void {
    const deadline = Date.now() - this.#options.ownerTtlMs;
    for (const [node, asker] of this.#askers) {
      if (asker.heardAt >= deadline) continue;
      this.#askers.delete(node);
      if (asker.connections.size > 0) this.#logger.info({ node, connections: asker.connections.size }, 'a node forwarding call participants went silent; dropping them');
      for (const id of asker.connections) this.#services.calls.connectionClosed(id);
    }
  }

  // ── wire ──────────────────────────────────────────────────────────────────

  #send(node: string, message: NodeMessage): void {
    if (this.#closed && message.k !== 'res' && message.k !== 'ev' && message.k !== 'left') return;
    this.#bus.publish(nodeTopic(node), { frame: JSON.stringify(message) }).catch((error: unknown) => {
      this.#logger.warn({ err: error, node, kind: message.k }, 'could not reach another node about a call');
    });
  }

  #receive(frame: string): void {
    let message: NodeMessage;
    try {
      message = JSON.parse(frame) as NodeMessage;
    } catch {
      return;
    }
    switch (message.k) {
      case 'req':
        void this.#serve(message);
        return;
      case 'res':
        this.#answered(message);
        return;
      case 'ev':
        this.#event(message);
        return;
      case 'left':
        this.#left(message);
        return;
      case 'closed': {
        const id = `${message.from}/${message.c}`;
        this.#askers.get(message.from)?.connections.delete(id);
        this.#services.calls.connectionClosed(id);
        return;
      }
      case 'lost':
        this.#heard(message.from);
        this.#services.calls.membershipLost(message.room, message.user);
        return;
      case 'hb':
        this.#heard(message.from);
        return;
    }
  }
}

/** A socket on another node, as the owner's call service sees it: its events go back over the bus. */
class RemoteConnection implements CallConnection {
  readonly id: string;
  readonly #room: string;
  readonly #relay: { deliver(room: string, frame: string): void; left(room: string): void };

  constructor(id: string, room: string, relay: { deliver(room: string, frame: string): void; left(room: string): void }) {
    this.id = id;
    this.#room = room;
    this.#relay = relay;
  }

  deliver(frame: string): void {
    this.#relay.deliver(this.#room, frame);
  }

  left(room: string): void {
    this.#relay.left(room);
  }

  /** Typing throttles do not apply to call requests. */
  allowTyping(): boolean {
    return true;
  }
}

function membershipKey(connectionId: string, room: string): string {
  return `${connectionId} ${room}`;
}

function unavailable(message: string): RequestError {
  return new RequestError(ErrorCode.CallUnavailable, message, 1_000);
}
