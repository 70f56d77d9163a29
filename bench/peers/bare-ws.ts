/**
 * Peer: the physical-limit proxy. A `ws` server that forwards every frame,
 * unparsed and unchanged, to every socket of the same room (the sender
 * included, as our server does). The room is the URL path `/r/<room>`.
 * No auth, no validation, no persistence, no ordering guarantees beyond TCP.
 */
import { createServer } from 'node:http';
import { WebSocketServer } from 'ws';
import type { RawData, WebSocket } from 'ws';
import { listenLocal, runServerChild } from '../lib/serve.js';

const rooms = new Map<string, Set<WebSocket>>();
const http = createServer((_req, res) => res.writeHead(404).end());
const wss = new WebSocketServer({ server: http, perMessageDeflate: false, clientTracking: false });

wss.on('connection', (ws, req) => {
  const room = (req.url ?? '/').replace(/^\/r\//, '');
  let members = rooms.get(room);
  if (!members) {
    members = new Set();
    rooms.set(room, members);
  }
  const set = members;
  set.add(ws);
  ws.on('message', (data: RawData, isBinary: boolean) => {
    for (const peer of set) if (peer.readyState === peer.OPEN) peer.send(data as Buffer, { binary: isBinary });
  });
  ws.on('close', () => set.delete(ws));
  ws.on('error', () => undefined);
});

const port = await listenLocal(http);
runServerChild(port, () => {
  wss.close();
  http.closeAllConnections();
});
