/** A minimal client of our protocol for the harness: auth, then requests answered by ack or error. */
import WebSocket from 'ws';
import type { RequestArgs, RequestResult, RequestType, ServerFrame } from '@parley/sdk/protocol';
import { withTimeout } from './clock.js';
import { mintToken } from './tokens.js';

/** How long the harness waits for one answer. */
const ANSWER_TIMEOUT_MS = 60_000;

/** One authenticated socket to our server. */
export class RawClient {
  readonly #ws: WebSocket;
  readonly #pending = new Map<number, (frame: ServerFrame) => void>();
  #nextId = 1;
  /** The close code once the server (or we) closed the socket; pending requests then fail with it. */
  readonly closed: Promise<number>;

  private constructor(ws: WebSocket) {
    this.#ws = ws;
    this.closed = new Promise((resolve) => {
      ws.once('close', (code: number) => {
        const pending = [...this.#pending.values()];
        this.#pending.clear();
        for (const answer of pending) answer({ type: 'error', code: 'unavailable', message: `socket closed with ${code}`, retryable: true });
        resolve(code);
      });
    });
    ws.on('message', (data: Buffer) => {
      const frame = JSON.parse(data.toString('utf8')) as ServerFrame;
      if ((frame.type === 'ack' || frame.type === 'error' || frame.type === 'welcome') && frame.id !== undefined) {
        this.#pending.get(frame.id)?.(frame);
        this.#pending.delete(frame.id);
      }
    });
  }

  /** Connects to our server on `port` and authenticates as `user`. */
  static async connect(port: number, user: string): Promise<RawClient> {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/v1/ws`, { perMessageDeflate: false });
    await withTimeout(
      new Promise<void>((resolve, reject) => {
        ws.once('open', () => resolve());
        ws.once('error', reject);
      }),
      ANSWER_TIMEOUT_MS,
      'connect',
    );
    ws.on('error', () => undefined);
    const client = new RawClient(ws);
    const welcome = await client.#roundTrip({ type: 'auth', v: 1, token: await mintToken(user) });
    if (welcome.type !== 'welcome') throw new Error(`auth refused: ${JSON.stringify(welcome)}`);
    return client;
  }

  /** Sends a request; resolves with its result, rejects with the error frame's code and message. */
  async request<T extends RequestType>(type: T, args: RequestArgs<T>): Promise<RequestResult<T>> {
    const frame = await this.#roundTrip({ type, ...args });
    if (frame.type === 'error') throw new Error(`${type}: ${frame.code}: ${frame.message}`);
    if (frame.type !== 'ack') throw new Error(`${type}: unexpected ${frame.type}`);
    return frame.result as RequestResult<T>;
  }

  close(): void {
    this.#ws.terminate();
  }

  #roundTrip(frame: Record<string, unknown>): Promise<ServerFrame> {
    const id = this.#nextId++;
    const { type, ...rest } = frame;
    const answer = new Promise<ServerFrame>((resolve) => this.#pending.set(id, resolve));
    this.#ws.send(JSON.stringify({ type, id, ...rest }));
    return withTimeout(answer, ANSWER_TIMEOUT_MS, String(type));
  }
}
