/**
 * Load generator child for the chat scenarios: holds many raw WebSocket
 * clients of one dialect, publishes stamped messages at a steady rate from
 * some of them, and counts and times what every socket receives. Latencies
 * go back to the harness as HdrHistograms; nothing is parsed per frame
 * beyond a prefix check and the stamp.
 */
import WebSocket from 'ws';
import { nowMicros, sleep } from '../lib/clock.js';
import { createHistogram, encodeHistogram, recordMicros } from '../lib/histogram.js';
import { serveIpc, announceReady } from '../lib/ipc.js';
import type { IpcRequest } from '../lib/ipc.js';
import { DIALECTS, FrameKind, readStamp, stampedText } from './dialects.js';
import type { Dialect, DialectName, SocketSpec } from './dialects.js';

/** A socket as the harness describes it: `index` is its position among all sockets of the scenario. */
interface IndexedSpec extends SocketSpec {
  index: number;
}

interface Client {
  spec: IndexedSpec;
  ws: WebSocket;
  sent: number;
}

/** Longest a single socket may take to connect and finish its handshake, unless the harness says otherwise. */
const HANDSHAKE_TIMEOUT_MS = 30_000;
/** How often publishers are topped up to their schedule. */
const TICK_MS = 5;

let dialect: Dialect | null = null;
const clients: Client[] = [];
let delivered = 0;
let acks = 0;
let errors = 0;
let closed = 0;
let sent = 0;
let firstError: string | null = null;
let latency = createHistogram();
let ackLatency = createHistogram();
let heartbeat: NodeJS.Timeout | null = null;

function onFrame(client: Client, data: Buffer): void {
  const d = dialect;
  if (!d) return;
  if (d.keepAlive(client.ws, data)) return;
  const kind = d.classify(data);
  if (kind === FrameKind.Delivery) {
    const stamp = readStamp(data);
    if (Number.isNaN(stamp)) return;
    delivered++;
    recordMicros(latency, nowMicros() - stamp);
  } else if (kind === FrameKind.Ack) {
    acks++;
    const stamp = readStamp(data);
    if (!Number.isNaN(stamp)) recordMicros(ackLatency, nowMicros() - stamp);
  } else if (kind === FrameKind.Error) {
    errors++;
    firstError ??= data.toString('utf8', 0, 300);
  }
}

function open(d: Dialect, port: number, spec: IndexedSpec, timeoutMs: number): Promise<Client> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(d.url(port, spec), { perMessageDeflate: false });
    const client: Client = { spec, ws, sent: 0 };
    const timer = setTimeout(() => {
      ws.terminate();
      reject(new Error(`socket ${spec.user} did not connect within ${timeoutMs} ms`));
    }, timeoutMs);
    ws.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    ws.once('open', () => {
      d.handshake(ws, spec).then(
        () => {
          clearTimeout(timer);
          ws.on('message', (data: Buffer) => onFrame(client, data));
          ws.on('close', () => closed++);
          resolve(client);
        },
        (error: unknown) => {
          clearTimeout(timer);
          ws.terminate();
          reject(error instanceof Error ? error : new Error(String(error)));
        },
      );
    });
  });
}

async function connect(request: IpcRequest): Promise<unknown> {
  const name = request.dialect as DialectName;
  const d = DIALECTS[name];
  dialect = d;
  const port = request.port as number;
  const specs = request.sockets as IndexedSpec[];
  const concurrency = (request.concurrency as number | undefined) ?? 100;
  const timeoutMs = (request.handshakeTimeoutMs as number | undefined) ?? HANDSHAKE_TIMEOUT_MS;
  const started = Date.now();
  let next = 0;
  let failed = 0;
  let error: string | null = null;
  const worker = async (): Promise<void> => {
    while (next < specs.length) {
      const spec = specs[next++];
      try {
        clients.push(await open(d, spec.port ?? port, spec, timeoutMs));
      } catch (e) {
        failed++;
        error ??= e instanceof Error ? e.message : String(e);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, specs.length) }, worker));
  const beat = d.heartbeat;
  if (beat && !heartbeat) {
    // Like real clients: each socket pings once per heartbeat interval, spread over the interval.
    const slots = Math.max(1, Math.round(beat.everyMs / 1000));
    let tick = 0;
    let n = 1_000_000;
    heartbeat = setInterval(() => {
      tick++;
      for (const client of clients) {
        if (client.spec.index % slots === tick % slots && client.ws.readyState === WebSocket.OPEN) client.ws.send(beat.frame(n++));
      }
    }, 1000);
  }
  return { connected: specs.length - failed, failed, error, ms: Date.now() - started };
}

/**
 * Sockets whose global index is below `publishers` send `ratePerPublisher`
 * messages per second for `durationMs`, each on its own phase so sends
 * spread evenly over time.
 */
async function publish(request: IpcRequest): Promise<unknown> {
  const d = dialect;
  if (!d) throw new Error('connect first');
  const count = request.publishers as number;
  const rate = request.ratePerPublisher as number;
  const durationMs = request.durationMs as number;
  const textLength = (request.textLength as number | undefined) ?? 100;
  const mine = clients.filter((c) => c.spec.index < count);
  const phases = mine.map((c) => (c.spec.index % Math.max(1, count)) / Math.max(1, count));
  const start = Date.now();
  const base = mine.map((c) => c.sent);
  let mySent = 0;
  for (;;) {
    const elapsed = Math.min(Date.now() - start, durationMs);
    for (let i = 0; i < mine.length; i++) {
      const client = mine[i];
      const due = Math.floor((rate * elapsed) / 1000 + phases[i]);
      while (client.sent - base[i] < due) {
        client.sent++;
        if (client.ws.readyState !== WebSocket.OPEN) continue;
        client.ws.send(d.publish(client.spec, stampedText(nowMicros(), textLength), client.sent));
        mySent++;
      }
    }
    if (elapsed >= durationMs) break;
    await sleep(TICK_MS);
  }
  sent += mySent;
  return { sent: mySent };
}

function counts(): unknown {
  return { delivered, acks, errors, closed, sent };
}

function reset(): void {
  delivered = 0;
  acks = 0;
  errors = 0;
  closed = 0;
  sent = 0;
  firstError = null;
  latency.destroy();
  ackLatency.destroy();
  latency = createHistogram();
  ackLatency = createHistogram();
}

function report(): unknown {
  return { ...(counts() as object), firstError, latency: encodeHistogram(latency), ackLatency: encodeHistogram(ackLatency) };
}

async function close(): Promise<unknown> {
  if (heartbeat) clearInterval(heartbeat);
  heartbeat = null;
  for (const client of clients) client.ws.terminate();
  clients.length = 0;
  await sleep(10);
  return null;
}

serveIpc({ connect, publish, counts, reset, report, close });
announceReady({ pid: process.pid });
