// A loopback HTTP proxy in front of a real server that behaves like the proxies the client's
// fallback chain is for: it can refuse WebSocket upgrades, and refuse or buffer event streams
// (a buffering proxy holds a response until it ends, which an event stream never does).
import http from 'node:http';
import net from 'node:net';

/**
 * Starts a proxy to the server at targetPort.
 * options: { webSocket: 'pass' | 'refuse', streams: 'pass' | 'buffer' | 'refuse' }.
 * Resolves with { url, port, seen: {upgrades, streams, polls, ops}, cut(), close() }.
 */
export async function startHttpProxy(targetPort, { webSocket = 'pass', streams = 'pass' } = {}, host = '127.0.0.1') {
  const sockets = new Set();
  const streaming = new Map(); // each upstream answer being forwarded, to the response it goes to
  const seen = { upgrades: 0, streams: 0, polls: 0, ops: 0 };
  const track = (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  };

  const server = http.createServer((req, res) => {
    const path = req.url ?? '/';
    const isStream = /\/sessions\/[^/]+\/events(\?|$)/.test(path);
    if (isStream) seen.streams++;
    if (/\/sessions\/[^/]+\/poll(\?|$)/.test(path)) seen.polls++;
    if (/\/sessions\/[^/]+\/ops\//.test(path)) seen.ops++;
    if (isStream && streams === 'refuse') {
      res.writeHead(403, { 'Content-Type': 'text/html' });
      res.end('<html><body>event streams are not allowed here</body></html>');
      return;
    }
    const upstream = http.request({ host, port: targetPort, method: req.method, path, headers: req.headers }, (answer) => {
      if (isStream && streams === 'buffer') {
        // Holds everything until the server ends the response: the client sees nothing meanwhile.
        const parts = [];
        answer.on('data', (chunk) => parts.push(chunk));
        answer.on('end', () => {
          res.writeHead(answer.statusCode, answer.headers);
          res.end(Buffer.concat(parts));
        });
        return;
      }
      res.writeHead(answer.statusCode, answer.headers);
      answer.pipe(res);
      streaming.set(answer, res);
      answer.on('close', () => streaming.delete(answer));
    });
    upstream.on('error', () => res.destroy());
    res.on('close', () => upstream.destroy());
    req.pipe(upstream);
  });
  server.on('connection', track);

  server.on('upgrade', (req, socket, head) => {
    seen.upgrades++;
    if (webSocket === 'refuse') {
      socket.end('HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain\r\nContent-Length: 23\r\nConnection: close\r\n\r\nWebSockets are blocked\n');
      return;
    }
    const upstream = net.connect(targetPort, host, () => {
      let raw = `${req.method} ${req.url} HTTP/1.1\r\n`;
      for (let i = 0; i < req.rawHeaders.length; i += 2) raw += `${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}\r\n`;
      upstream.write(`${raw}\r\n`);
      if (head.length) upstream.write(head);
      upstream.pipe(socket);
      socket.pipe(upstream);
    });
    track(upstream);
    upstream.on('error', () => socket.destroy());
    socket.on('error', () => upstream.destroy());
    socket.on('close', () => upstream.destroy());
  });

  await new Promise((resolve) => server.listen(0, host, resolve));
  const port = server.address().port;
  return {
    port,
    url: `http://${host}:${port}`,
    seen,
    /** Drops every connection through the proxy at once (new ones are still accepted). */
    cut() {
      for (const socket of [...sockets]) socket.destroy();
    },
    /** Stops forwarding the answers being streamed now (event streams), without ending them. */
    stall() {
      for (const [answer, res] of streaming) {
        answer.unpipe(res);
        answer.pause();
      }
    },
    async close() {
      this.cut();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
