/**
 * Peer: socket.io 4 with rooms. A socket joins the room named in its
 * handshake query (`?room=`); every `msg` event is emitted to the whole room
 * (the sender included, as our server does). WebSocket transport only, no
 * auth, no persistence.
 */
import { createServer } from 'node:http';
import { Server } from 'socket.io';
import { listenLocal, runServerChild } from '../lib/serve.js';

const http = createServer();
const io = new Server(http, { transports: ['websocket'], serveClient: false, perMessageDeflate: false });

io.on('connection', (socket) => {
  const room = String(socket.handshake.query.room ?? 'default');
  void socket.join(room);
  socket.on('msg', (text: unknown) => {
    io.to(room).emit('msg', text);
  });
});

const port = await listenLocal(http);
runServerChild(port, async () => {
  await io.close();
});
