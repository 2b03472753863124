// Run as a child process by proxy.test.mjs: cuts a proxied connection at the moment the proxy has
// passed one end's FIN on (end() called on the other end, its shutdown not yet done), then lets the
// process end. It must exit by itself: a socket whose close never completes keeps Node spinning at exit.
import net from 'node:net';
import { startProxy } from './proxy.mjs';

const target = net.createServer((socket) => {
  socket.on('error', () => {});
  socket.end('bye'); // the target closes its side first: the proxy passes the FIN on to the client
});
await new Promise((resolve) => target.listen(0, '127.0.0.1', resolve));
const proxy = await startProxy(target.address().port);

// The cut must land after the proxy's end() and before the loop turns (that is when the shutdown
// completes): wrap end() to cut right after the first one the proxy makes.
const end = net.Socket.prototype.end;
let cutDone = false;
net.Socket.prototype.end = function (...args) {
  const result = end.apply(this, args);
  if (!cutDone && this.localPort === proxy.port) { // the proxy's end of the client's connection
    cutDone = true;
    proxy.cut();
  }
  return result;
};

const client = net.connect(proxy.port, '127.0.0.1');
client.on('error', () => {});
client.resume();
await new Promise((resolve) => client.once('close', resolve));
net.Socket.prototype.end = end;
await proxy.close();
await new Promise((resolve) => target.close(resolve));
process.stdout.write(`cut after end: ${cutDone}\n`);
