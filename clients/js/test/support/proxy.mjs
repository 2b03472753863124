// A loopback TCP proxy the tests can cut, to drop a client's connection the way a network does
// (the server sees a reset, not a clean WebSocket close), without touching the client.
import net from 'node:net';

/**
 * Closes a socket with a reset (the peer sees ECONNRESET, as when a network drops it), or with a
 * plain destroy once end() was called on it: libuv refuses to reset a socket whose shutdown is
 * under way (uv_tcp_close_reset: EINVAL), and Node 20 then never closes its handle at all (net.js
 * emits the 'error' and drops the handle), so the process spins for ever at exit waiting for that
 * close. A socket with end() called has sent or queued its FIN: a destroy is all that is left.
 */
function drop(socket) {
  if (socket.writableEnded || !socket.resetAndDestroy) socket.destroy();
  else socket.resetAndDestroy();
}

/** Starts a proxy to targetPort; resolves with { port, url, connections, refusing, cut(), stall(), close() }. */
export async function startProxy(targetPort, host = '127.0.0.1') {
  const sockets = new Set();
  const pipes = new Map(); // each socket to the one it forwards to
  const frozen = new Set(); // stalled sockets: their end is not passed on either
  let refusing = false;
  const server = net.createServer((inbound) => {
    if (refusing) {
      inbound.destroy();
      return;
    }
    const outbound = net.connect(targetPort, host);
    for (const [a, b] of [[inbound, outbound], [outbound, inbound]]) {
      sockets.add(a);
      pipes.set(a, b);
      a.on('error', () => {
        if (!frozen.has(a)) b.destroy();
      });
      a.on('close', () => {
        sockets.delete(a);
        pipes.delete(a);
        if (!frozen.has(a)) b.destroy();
        frozen.delete(a);
      });
      a.pipe(b);
    }
  });
  await new Promise((resolve) => server.listen(0, host, resolve));
  const port = server.address().port;
  return {
    port,
    url: `http://${host}:${port}`,
    /** How many connections go through the proxy now. */
    get connections() {
      return sockets.size / 2;
    },
    /** While true, new connections are dropped at once (the server looks unreachable). */
    set refusing(value) {
      refusing = value;
    },
    /** Drops every connection through the proxy at once (new ones are still accepted). */
    cut() {
      for (const socket of [...sockets]) drop(socket);
    },
    /**
     * Stops forwarding on every connection open now, in both directions, without closing any: the
     * path is dead but neither end hears of it (new connections are forwarded normally).
     */
    stall() {
      for (const [a, b] of pipes) {
        frozen.add(a);
        a.unpipe(b);
        a.pause();
      }
    },
    async close() {
      this.cut();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
