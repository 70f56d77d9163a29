/**
 * A webhook receiver for tests: a real HTTP server on 127.0.0.1 that checks
 * every delivery's `Parley-Signature` with the exported helper and records
 * the events. It can answer 503 for a while, or stop listening altogether
 * and come back on the same port.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifyWebhookSignature } from '../src/index.js';

/** A delivered event as the receiver parsed it. */
export interface ReceivedEvent {
  id: string;
  type: string;
  createdAt: number;
  data: Record<string, unknown>;
}

/** A running receiver; see the module comment. */
export interface WebhookReceiver {
  /** `http://127.0.0.1:<port>/hooks` */
  readonly url: string;
  /** Every accepted delivery, in arrival order (duplicates included). */
  readonly events: ReceivedEvent[];
  /** Deliveries refused because the signature did not verify. */
  readonly badSignatures: number;
  /** Requests answered 503 while failing. */
  readonly refused: number;
  /** Answers 503 to everything until told otherwise. */
  fail(failing: boolean): void;
  /** Stops listening (connections refused) until {@link WebhookReceiver.start}. */
  stop(): Promise<void>;
  /** Listens again on the same port. */
  start(): Promise<void>;
  /** The accepted events of `type`, each id once. */
  unique(type?: string): ReceivedEvent[];
  close(): Promise<void>;
}

/** Starts a receiver that verifies signatures with `secret`. */
export async function startWebhookReceiver(secret: string): Promise<WebhookReceiver> {
  const events: ReceivedEvent[] = [];
  let badSignatures = 0;
  let refused = 0;
  let failing = false;
  let port = 0;
  let server: Server | null = null;

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      if (failing) {
        refused++;
        res.writeHead(503).end();
        return;
      }
      if (req.method !== 'POST' || !verifyWebhookSignature(secret, req.headers['parley-signature'], raw)) {
        badSignatures++;
        res.writeHead(401).end();
        return;
      }
      events.push(JSON.parse(raw.toString('utf8')) as ReceivedEvent);
      res.writeHead(204).end();
    });
  };

  const listen = async (): Promise<void> => {
    const next = createServer(handle);
    await new Promise<void>((resolve, reject) => {
      next.once('error', reject);
      next.listen(port, '127.0.0.1', () => resolve());
    });
    port = (next.address() as AddressInfo).port;
    server = next;
  };
  const stop = async (): Promise<void> => {
    const current = server;
    server = null;
    if (!current) return;
    await new Promise<void>((resolve) => {
      current.close(() => resolve());
      current.closeAllConnections();
    });
  };

  await listen();
  return {
    get url() {
      return `http://127.0.0.1:${port}/hooks`;
    },
    events,
    get badSignatures() {
      return badSignatures;
    },
    get refused() {
      return refused;
    },
    fail(value) {
      failing = value;
    },
    stop,
    start: listen,
    unique(type) {
      const seen = new Map<string, ReceivedEvent>();
      for (const event of events) if (type === undefined || event.type === type) seen.set(event.id, event);
      return [...seen.values()];
    },
    close: stop,
  };
}
