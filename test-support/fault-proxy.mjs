// A TCP proxy on 127.0.0.1 for fault tests: it forwards to a service (PostgreSQL,
// say) and can drop every connection, stall (stop forwarding bytes both ways while
// keeping the sockets open), refuse new connections, and forward normally again.
import { createConnection, createServer } from 'node:net';

/**
 * Starts a proxy to `target` (`{ host = '127.0.0.1', port }`) on a free port of
 * 127.0.0.1; resolves once it listens. See `fault-proxy.d.mts` for the methods.
 */
export async function startFaultProxy(target) {
  const host = target.host ?? '127.0.0.1';
  /** 'forward' | 'stall' | 'refuse' (refuse: new connections are reset; open ones stay as they are). */
  let mode = 'forward';
  /** Open connections: each with its two sockets and what a stall held back. */
  const links = new Set();
  let accepted = 0;

  const server = createServer({ pauseOnConnect: true }, (client) => {
    accepted++;
    if (mode === 'refuse') {
      client.resetAndDestroy();
      return;
    }
    const upstream = createConnection({ host, port: target.port });
    const link = { client, upstream, held: [] };
    links.add(link);
    const close = () => {
      links.delete(link);
      client.destroy();
      upstream.destroy();
    };
    for (const socket of [client, upstream]) {
      socket.on('error', close);
      socket.on('close', close);
    }
    relay(link, client, upstream);
    relay(link, upstream, client);
    client.resume();
  });

  /** Forwards `from` → `to`, holding the bytes back (and pausing `from`) while stalled. */
  function relay(link, from, to) {
    from.on('data', (chunk) => {
      if (mode === 'stall') {
        link.held.push({ to, chunk });
        from.pause();
        return;
      }
      if (!to.write(chunk)) {
        from.pause();
        to.once('drain', () => {
          if (mode !== 'stall') from.resume();
        });
      }
    });
  }

  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address();

  return {
    port,
    get open() {
      return links.size;
    },
    get accepted() {
      return accepted;
    },
    dropAll() {
      for (const link of [...links]) {
        link.client.destroy();
        link.upstream.destroy();
      }
      links.clear();
    },
    stall() {
      mode = 'stall';
    },
    refuse() {
      mode = 'refuse';
    },
    restore() {
      mode = 'forward';
      for (const link of links) {
        for (const { to, chunk } of link.held.splice(0)) to.write(chunk);
        link.client.resume();
        link.upstream.resume();
      }
    },
    async close() {
      this.dropAll();
      await new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
