// The client's default fallback chain behind proxies: WebSocket refused → SSE; WebSocket refused
// and event streams buffered or refused → long-poll. The same API works whichever transport
// carries the session, including a resume after the connection is cut.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './support/server.mjs';
import { startHttpProxy } from './support/http-proxy.mjs';
import { Client, SseTransport, TransportUnavailable, webSocketTransport, sseTransport, pollTransport } from '../dist/index.js';
import { nextEvent } from './support/wait.mjs';
import { Harness } from './support/harness.mjs';
import { boundTestFile } from './support/bound.mjs';

boundTestFile();

let server;
before(async () => {
  // Keep-alive comments every second: the stream-idle test counts three of them missing.
  server = await startServer(['--admin-token', 'admin-secret', '--http-sse-ping-interval', '1']);
});
after(async () => {
  await server?.stop();
});

/** Waits until `check()` is true, polling every 20 ms, up to `ms`. */
async function until(check, ms, what) {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Locks, signals, rpc and relay (bytes) between a client through the proxy and a direct one. */
async function exerciseTheApi(viaProxy, direct, name) {
  const lock = await viaProxy.locks.acquire(`${name}-lock`, { timeoutMs: 1000 });
  assert.equal(await direct.locks.tryAcquire(`${name}-lock`), undefined, 'the lock is held through the proxy');
  await lock.release();

  const signals = [];
  await viaProxy.signals.listen(`${name}.jobs.*`, (s) => void signals.push(s.payload));
  await direct.signals.publish(`${name}.jobs.eu`, 'started');
  await until(() => signals.length === 1, 5000, 'the signal');
  assert.deepEqual(signals, ['started']);

  await viaProxy.rpc.serve(`${name}.double`, (req) => ({ doubled: req.payload.n * 2 }));
  assert.deepEqual(await direct.rpc.call(`${name}.double`, { n: 21 }, { timeoutMs: 5000 }), { doubled: 42 });

  const received = [];
  viaProxy.relay.onMessage((m) => void received.push(m));
  await direct.relay.send(viaProxy.sessionId, new Uint8Array([0, 1, 2, 255]));
  await until(() => received.length === 1, 5000, 'the relay message');
  assert.ok(received[0].payload instanceof Uint8Array, 'bytes arrive as a Uint8Array');
  assert.deepEqual([...received[0].payload], [0, 1, 2, 255]);
  return signals;
}

const cases = [
  { name: 'sse', proxy: { webSocket: 'refuse' }, expect: 'sse' },
  { name: 'poll-buffered', proxy: { webSocket: 'refuse', streams: 'buffer' }, expect: 'poll' },
  { name: 'poll-refused', proxy: { webSocket: 'refuse', streams: 'refuse' }, expect: 'poll' },
];

for (const c of cases) {
  test(`WebSocket refused${c.proxy.streams ? `, streams ${c.proxy.streams === "buffer" ? "buffered" : "refused"}` : ''}: the default chain lands on ${c.expect} with the same API, and resumes after a cut`,
    { timeout: 40000 }, async () => {
      const proxy = await startHttpProxy(server.port, c.proxy);
      const viaProxy = new Client({ url: proxy.url, reconnect: { initialMs: 50, maxMs: 200 } });
      const direct = new Client({ url: server.url });
      try {
        const connected = [];
        viaProxy.on('connected', (e) => void connected.push(e));
        const resumed = [];
        viaProxy.on('resumed', (e) => void resumed.push(e));
        await viaProxy.connect();
        await direct.connect();
        assert.equal(viaProxy.transportKind, c.expect);
        assert.equal(connected[0].transport, c.expect);
        assert.ok(proxy.seen.upgrades >= 1, 'the WebSocket was tried first');
        const signals = await exerciseTheApi(viaProxy, direct, c.name);

        // Cut every connection: the client resumes the same session over the same chain.
        const session = viaProxy.sessionId;
        proxy.cut();
        await direct.signals.publish(`${c.name}.jobs.us`, 'while cut');
        await until(() => resumed.length === 1, 15000, 'the resume');
        assert.equal(viaProxy.sessionId, session);
        assert.equal(resumed[0].recovered, true);
        assert.equal(viaProxy.transportKind, c.expect);
        await direct.signals.publish(`${c.name}.jobs.us`, 'after');
        await until(() => signals.length === 3, 5000, 'the signals around the cut');
        assert.deepEqual(signals, ['started', 'while cut', 'after'], 'no signal lost or repeated');
      } finally {
        await viaProxy.close();
        await direct.close();
        await proxy.close();
      }
    });
}

for (const streams of ['buffer', 'refuse']) {
  test(`SSE reports itself unavailable when a proxy ${streams}s event streams, and leaves no session behind`, { timeout: 20000 }, async () => {
    const proxy = await startHttpProxy(server.port, { streams });
    try {
      const sessions = async () => (await (await fetch(`${server.url}/api/v1/admin/sessions`,
        { headers: { 'X-Switchboard-Admin': 'admin-secret' } })).json()).count;
      const before = await sessions();
      const started = Date.now();
      const sse = new Harness(new SseTransport(proxy.url, { probeMs: 400 }));
      await assert.rejects(sse.open(), (e) => e instanceof TransportUnavailable && e.kind === 'sse');
      assert.ok(Date.now() - started < 5000, 'decided by the probe deadline');
      assert.equal(sse.closedWith, null, 'a failed open reports no close');
      assert.equal(await sessions(), before, 'the session made for the probe was deleted');
    } finally {
      await proxy.close();
    }
  });
}

const quickReconnect = { initialDelayMs: 20, maxDelayMs: 100 };

test('errors over SSE carry the HTTP status of the answer; over WebSocket they have none', { timeout: 20000 }, async () => {
  const overSse = new Client({ url: server.url, transports: [sseTransport()] });
  const overWs = new Client({ url: server.url });
  try {
    await overSse.connect();
    await overWs.connect();
    assert.equal(overSse.transportKind, 'sse');
    await assert.rejects(overSse.request('no.such.op'), (e) => e.code === 'unknown_op' && e.status === 404);
    await assert.rejects(overWs.request('no.such.op'), (e) => e.code === 'unknown_op' && e.status === undefined);
  } finally {
    await overSse.close();
    await overWs.close();
  }
});

test('a resume starts the chain at the transport that last worked; a fresh connect starts from WebSocket again', { timeout: 40000 }, async () => {
  const proxy = await startHttpProxy(server.port, { webSocket: 'refuse', streams: 'buffer' });
  const options = { url: proxy.url, reconnect: quickReconnect, transports: [webSocketTransport, sseTransport({ probeMs: 1000 }), pollTransport({ pollTimeoutMs: 2000 })] };
  const a = new Client(options);
  const b = new Client(options);
  try {
    await a.connect();
    assert.equal(a.transportKind, 'poll');
    assert.deepEqual([proxy.seen.upgrades, proxy.seen.streams], [1, 1], 'the first connect tried WebSocket, then SSE');
    const resumed = nextEvent(a, 'resumed', 15000);
    const cutAt = Date.now();
    proxy.cut();
    assert.equal((await resumed).recovered, true);
    assert.equal(a.transportKind, 'poll');
    assert.deepEqual([proxy.seen.upgrades, proxy.seen.streams], [1, 1], 'the resume went straight to long-poll');
    assert.ok(Date.now() - cutAt < 1000, 'the resume did not wait for the SSE probe');
    await b.connect();
    assert.equal(b.transportKind, 'poll');
    assert.deepEqual([proxy.seen.upgrades, proxy.seen.streams], [2, 2], 'a fresh connect tries the whole chain');
  } finally {
    await a.close();
    await b.close();
    await proxy.close();
  }
});

test('after retryFirstTransportAfterResumes resumes on a fallback, the next resume tries WebSocket first again', { timeout: 40000 }, async () => {
  const proxy = await startHttpProxy(server.port, { webSocket: 'refuse' });
  const a = new Client({ url: proxy.url, reconnect: quickReconnect, retryFirstTransportAfterResumes: 2 });
  try {
    await a.connect();
    assert.equal(a.transportKind, 'sse');
    const upgrades = [proxy.seen.upgrades];
    for (let i = 0; i < 3; i++) {
      const resumed = nextEvent(a, 'resumed', 15000);
      proxy.cut();
      await resumed;
      assert.equal(a.transportKind, 'sse');
      upgrades.push(proxy.seen.upgrades);
    }
    assert.deepEqual(upgrades, [1, 1, 1, 2], 'two resumes on SSE, then the third tries WebSocket first');
  } finally {
    await a.close();
    await proxy.close();
  }
});

test('liveness: an event stream that goes silent is counted dead and the session resumes on a new one', { timeout: 30000 }, async () => {
  const proxy = await startHttpProxy(server.port, { webSocket: 'refuse' });
  const transports = [webSocketTransport, sseTransport({ idleTimeoutMs: 3000 })];
  const a = new Client({ url: proxy.url, reconnect: quickReconnect, transports });
  const direct = new Client({ url: server.url });
  try {
    await a.connect();
    await direct.connect();
    assert.equal(a.transportKind, 'sse');
    const got = [];
    await a.signals.listen('idle.*', (s) => void got.push(s.payload));
    const disconnected = nextEvent(a, 'disconnected', 15000);
    const resumed = nextEvent(a, 'resumed', 20000);
    const streams = proxy.seen.streams;
    proxy.stall(); // the open stream delivers nothing more, not even the server's keep-alive comments
    const { error } = await disconnected;
    assert.equal(error.code, 'disconnected');
    assert.match(error.message, /nothing arrived for 3000 ms/);
    await resumed;
    assert.equal(proxy.seen.streams, streams + 1, 'a new event stream');
    await direct.signals.publish('idle.x', 'after');
    await until(() => got.length === 1, 5000, 'the signal on the new stream');
    assert.deepEqual(got, ['after']);
  } finally {
    await a.close();
    await direct.close();
    await proxy.close();
  }
});
