// The client in real browser pages (headless Debian Chromium): two pages, each in its own
// browser context, lock, signal, request and relay between them through a real server, the
// client loaded as the dashboard loads it (/admin/client/index.js, under the page's strict CSP).
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { pageWithClient, startServerAndBrowser, waitForSnapshot } from './support/browser.mjs';

const ADMIN = 'browser-admin-token';
let env;
let server;
let browser;
let a;
let b;

before(async () => {
  env = await startServerAndBrowser(ADMIN);
  ({ server, browser } = env);
  a = await pageWithClient(browser, server.url);
  b = await pageWithClient(browser, server.url);
}, { timeout: 40_000 });

after(() => env?.close(), { timeout: 15_000 });

test('both pages are connected over WebSocket, as two sessions', { timeout: 15_000 }, async () => {
  for (const p of [a, b]) assert.equal(await p.page.evaluate(() => window.sb.transportKind), 'ws');
  assert.notEqual(a.sessionId, b.sessionId);
});

test('lock: page A holds, page B waits, gets it when A releases, with a larger fence', { timeout: 30_000 }, async () => {
  const fenceA = await a.page.evaluate(async () => {
    window.lockA = await window.sb.locks.acquire('browser-lock', { leaseMs: 30_000 });
    return String(window.lockA.fence);
  });
  await b.page.evaluate(() => {
    window.lockB = window.sb.locks.acquire('browser-lock', { timeoutMs: 10_000, leaseMs: 30_000 })
      .then((l) => (window.heldByB = l, { fence: String(l.fence), held: l.held }), (e) => ({ error: e.code }));
  });
  // B waits behind A (the server says so), and has not got the lock.
  await waitForSnapshot(server.url, ADMIN, (s) => s.locks.some((l) => l.key === 'browser-lock'
    && l.holders.some((h) => h.session === a.sessionId) && l.waiters.some((w) => w.session === b.sessionId)),
  { what: 'A holding browser-lock and B waiting' });
  assert.equal(await b.page.evaluate(() => Promise.race([window.lockB, new Promise((r) => setTimeout(() => r('pending'), 100))])), 'pending');

  assert.equal(await a.page.evaluate(async () => {
    await window.lockA.release();
    return window.lockA.held;
  }), false);
  const got = await b.page.evaluate(() => window.lockB);
  assert.equal(got.error, undefined, `B's acquire failed: ${got.error}`);
  assert.equal(got.held, true);
  assert.ok(BigInt(got.fence) > BigInt(fenceA), `fence ${got.fence} after ${fenceA}`);
  await b.page.evaluate(() => window.heldByB.release());
});

test('signal: page B listens on a wildcard, page A publishes, B receives it', { timeout: 30_000 }, async () => {
  await b.page.evaluate(async () => {
    window.signals = [];
    window.signalSub = await window.sb.signals.listen('browser.news.*', (s) => window.signals.push({ channel: s.channel, payload: s.payload }));
  });
  const delivered = await a.page.evaluate(() => window.sb.signals.publish('browser.news.today', 'hello from A'));
  assert.equal(delivered, 1);
  await b.page.waitForFunction(() => window.signals.length === 1, null, { timeout: 15_000 });
  assert.deepEqual(await b.page.evaluate(() => window.signals), [{ channel: 'browser.news.today', payload: 'hello from A' }]);
  await b.page.evaluate(() => window.signalSub.unsubscribe());
});

test('request: page B serves a name, page A calls it and gets the answer; an error keeps its code', { timeout: 30_000 }, async () => {
  await b.page.evaluate(() => window.sb.rpc.serve('browser.add', (req) => {
    if (req.payload.a === undefined) throw Object.assign(new Error('a is missing'), { code: 'bad_input' });
    return { sum: req.payload.a + req.payload.b, servedBy: window.sb.sessionId };
  }));
  const answer = await a.page.evaluate(() => window.sb.rpc.call('browser.add', { a: 2, b: 40 }, { timeoutMs: 5_000 }));
  assert.deepEqual(answer, { sum: 42, servedBy: b.sessionId });
  const failure = await a.page.evaluate(() => window.sb.rpc.call('browser.add', { b: 1 }, { timeoutMs: 5_000 })
    .then(() => 'answered', (e) => ({ name: e.name, code: e.code, isSwitchboardError: e instanceof window.sbModule.SwitchboardError })));
  assert.deepEqual(failure, { name: 'SwitchboardError', code: 'bad_input', isSwitchboardError: true });
});

test('relay: page A sends bytes to page B\'s peer id, B gets the same bytes as a Uint8Array', { timeout: 30_000 }, async () => {
  await b.page.evaluate(() => {
    window.relayed = [];
    window.sb.relay.onMessage((m) => window.relayed.push({
      from: m.from, isBytes: m.payload instanceof Uint8Array, bytes: Array.from(m.payload),
    }));
  });
  const bytes = [0, 1, 2, 127, 128, 254, 255];
  await a.page.evaluate(({ to, bytes }) => window.sb.relay.send(to, new Uint8Array(bytes)), { to: b.sessionId, bytes });
  await b.page.waitForFunction(() => window.relayed.length === 1, null, { timeout: 15_000 });
  assert.deepEqual(await b.page.evaluate(() => window.relayed), [{ from: a.sessionId, isBytes: true, bytes }]);
});

test('fallback: with no WebSocket in the page, the client uses SSE and still locks, signals and relays', { timeout: 40_000 }, async () => {
  const noWs = await pageWithClient(browser, server.url, { initScript: () => delete window.WebSocket });
  try {
    assert.equal(await noWs.page.evaluate(() => typeof window.WebSocket), 'undefined');
    assert.equal(await noWs.page.evaluate(() => window.sb.transportKind), 'sse');
    await waitForSnapshot(server.url, ADMIN, (s) => s.sessions.some((x) => x.id === noWs.sessionId && x.attached.some((c) => c.transport === 'sse')),
      { what: 'the SSE session in the snapshot' });

    // Signals both ways: A (WebSocket) → the SSE page, and the SSE page → B.
    await noWs.page.evaluate(async () => {
      window.signals = [];
      await window.sb.signals.listen('browser.sse', (s) => window.signals.push(s.payload));
    });
    assert.equal(await a.page.evaluate(() => window.sb.signals.publish('browser.sse', 'to the SSE page')), 1);
    await noWs.page.waitForFunction(() => window.signals.length === 1, null, { timeout: 15_000 });
    assert.deepEqual(await noWs.page.evaluate(() => window.signals), ['to the SSE page']);

    // Bytes relayed to the SSE page arrive intact (base64 on HTTP, a Uint8Array for the app).
    await noWs.page.evaluate(() => {
      window.relayed = [];
      window.sb.relay.onMessage((m) => window.relayed.push(Array.from(m.payload)));
    });
    await a.page.evaluate((to) => window.sb.relay.send(to, new Uint8Array([9, 0, 255])), noWs.sessionId);
    await noWs.page.waitForFunction(() => window.relayed.length === 1, null, { timeout: 15_000 });
    assert.deepEqual(await noWs.page.evaluate(() => window.relayed), [[9, 0, 255]]);

    // A lock held over SSE, then released.
    const lock = await noWs.page.evaluate(async () => {
      const l = await window.sb.locks.acquire('browser-sse-lock', { leaseMs: 10_000 });
      const fence = String(l.fence);
      await l.release();
      return { fence, held: l.held };
    });
    assert.equal(lock.held, false);
    assert.ok(BigInt(lock.fence) > 0n);
    await noWs.page.evaluate(() => window.sb.close());
  } finally {
    await noWs.context.close();
  }
});

test('no page raised an uncaught error', { timeout: 5_000 }, () => {
  assert.deepEqual([...a.problems, ...b.problems], []);
});
