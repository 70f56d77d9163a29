/**
 * Peer: y-websocket's reference server (@y/websocket-server 0.1.1 with
 * yjs 13). The document is the URL path. In-memory only: no persistence,
 * no auth.
 */
import { createServer } from 'node:http';
import { setupWSConnection } from '@y/websocket-server/utils';
import { WebSocketServer } from 'ws';
import { listenLocal, runServerChild } from '../lib/serve.js';

const http = createServer((_req, res) => res.writeHead(404).end());
const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
http.on('upgrade', (req, socket, head) => {
  wss.handleUpgrade(req, socket, head, (ws) => {
    setupWSConnection(ws, req, { docName: (req.url ?? '/').slice(1).split('?')[0], gc: true });
  });
});

const port = await listenLocal(http);
runServerChild(port, () => {
  wss.close();
  http.closeAllConnections();
});
