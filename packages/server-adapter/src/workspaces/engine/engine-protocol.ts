/**
 * The messages between the main thread and an engine thread. Every Yjs
 * merge of a workspace document happens on an engine thread; the main
 * thread sends one request at a time and gets one reply per request.
 */

/** What each request carries and what its reply holds, by operation. */
export interface EngineOps {
  /** Builds the room's document from its stored parts (a snapshot, then the log); undecodable parts are skipped. */
  load: { request: { doc: string; parts: Uint8Array[] }; result: { skipped: number } };
  /** Applies a client's update; with `maxBytes`, first measures the state and refuses when it would grow past it. */
  apply: { request: { doc: string; update: Uint8Array; maxBytes: number | null }; result: ApplyOutcome };
  /** Applies what another node stored (or what storage holds that this copy lacks). */
  merge: { request: { doc: string; parts: Uint8Array[] }; result: MergeOutcome };
  /** The document's state vector (a new socket's sync step 1). */
  stateVector: { request: { doc: string }; result: Uint8Array };
  /** What a client with `stateVector` lacks (sync step 2); null for a malformed state vector. */
  diff: { request: { doc: string; stateVector: Uint8Array }; result: Uint8Array | null };
  /** The whole state as one update. */
  encode: { request: { doc: string }; result: Uint8Array };
  /** Folds stored parts into one update on a scratch document (compaction); the loaded document is not touched. */
  fold: { request: { parts: Uint8Array[] }; result: Uint8Array };
  /** Forgets the room's document. */
  drop: { request: { doc: string }; result: null };
}

export type EngineOp = keyof EngineOps;

/** A request as posted to the thread. */
export type EngineRequest = { [K in EngineOp]: { op: K } & EngineOps[K]['request'] }[EngineOp];

/** The result of one operation. */
export type EngineResult<K extends EngineOp> = EngineOps[K]['result'];

/** What became of a client's update. */
export type ApplyOutcome =
  /** It does not decode; nothing was applied. */
  | { kind: 'malformed' }
  /** The document's encoded state (`size` bytes) plus the update would pass `maxBytes`; nothing was applied. */
  | { kind: 'too-large'; size: number }
  /**
   * Applied: `effective` is what it changed (null: nothing), `pendingChanged`
   * tells whether structs waiting for missing dependencies changed (they must
   * be stored although they change no content yet), `failed` that Yjs threw
   * part-way (what it applied before is in `effective`); `size` is the state
   * measured before, when asked.
   */
  | { kind: 'applied'; effective: Uint8Array | null; pendingChanged: boolean; failed: boolean; size: number | null };

/** What became of updates merged from storage or another node. */
export interface MergeOutcome {
  /** What they changed, for the local sockets (null: nothing). */
  effective: Uint8Array | null;
  /** The document now waits for updates it has not seen (one was missed). */
  missing: boolean;
  /** Parts that did not decode and were skipped. */
  skipped: number;
}

/** A thread's reply to the request in flight. */
export type EngineReply = { ok: true; result: unknown } | { ok: false; error: string };

/** The first message of a thread: it has loaded Yjs and takes requests. */
export interface EngineReady {
  ready: true;
  /** Its kernel thread id, whose CPU time the budgets count (null where it cannot be known). */
  tid: number | null;
}
