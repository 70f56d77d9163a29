/**
 * Peer: Hocuspocus 3.4 (the newest that accepts Node 20) with no extensions: in-memory documents, no auth
 * hook (every token is accepted), no persistence.
 */
import { Server } from '@hocuspocus/server';
import { runServerChild } from '../lib/serve.js';

const server = new Server({ port: 0, address: '127.0.0.1', quiet: true, stopOnSignals: false });
await server.listen();
runServerChild(server.address.port, () => server.destroy());
