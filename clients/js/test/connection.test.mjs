import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './support/server.mjs';
import { startProxy } from './support/proxy.mjs';
import { clientPool } from './support/clients.mjs';
import { waitFor, nextEvent } from './support/wait.mjs';
import { Client, AdminClient, SwitchboardError } from '../dist/index.js';
import { boundTestFile } from './support/bound.mjs';

boundTestFile();

const ADMIN_TOKEN = 'admin-token-for-the-js-tests';
const HEARTBEAT_S = 2;
const REPLAY_BUFFER = 8;
let server;
let proxy;
let pool;
const fastReconnect = { initialDelayMs: 20, maxDelayMs: 100 };
// Node's WebSocket never reports a connection the proxy drops during the upgrade: a deadline
// short enough for the tests, long enough for a loaded machine's first handshake.
const proxied = () => ({ url: proxy.url, reconnect: fastReconnect, connectTimeoutMs: 2000 });

before(async () => {
  // A short heartbeat, so that the liveness test finds a dead path in seconds.
  // A small replay buffer, so that a resume can find events dropped while it was away.
  server = await startServer(['--admin-token', ADMIN_TOKEN, '--heartbeat-interval', String(HEARTBEAT_S),
    '--replay-buffer-messages', String(REPLAY_BUFFER)]);
  proxy = await startProxy(server.port);
  pool = clientPool({ url: server.url });
});
afterEach(async () => {
  proxy.refusing = false;
  await pool.closeAll();
});
after(async () => {
  await proxy.close();
  await server.stop();
});

test('resume: events published while the connection was down arrive once, in order, and recovered is reported', { timeout: 30000 }, async () => {
  const publisher = await pool.open();
  const a = await pool.open(proxied());
  const sessionBefore = a.sessionId;
  const got = [];
  await a.topics.subscribe('resume.>', (m) => got.push(m));
  for (let i = 1; i <= 3; i++) await publisher.topics.publish('resume.t', `m${i}`);
  await waitFor(() => got.length === 3, { what: 'the first three messages' });

  const disconnected = nextEvent(a, 'disconnected');
  const resumed = nextEvent(a, 'resumed', 10000);
  proxy.refusing = true; // the reconnects fail until we allow them, while messages are published
  proxy.cut();
  const dropped = await disconnected;
  assert.equal(dropped.error.code, 'disconnected');
  assert.equal(a.state, 'reconnecting');
  // A request made while reconnecting waits for the resume instead of failing.
  const queued = a.topics.publish('resume.t', 'm7 (queued by a)');
  // The server sees the session detached before the events are published.
  const admin = new AdminClient({ url: server.url, token: ADMIN_TOKEN });
  await waitFor(async () => (await admin.session(sessionBefore)).state === 'detached', { what: 'the session detached' });
  for (let i = 4; i <= 6; i++) await publisher.topics.publish('resume.t', `m${i}`);
  proxy.refusing = false;

  const info = await resumed;
  assert.equal(info.recovered, true);
  assert.equal(info.lastSeq, 3);
  assert.equal(a.sessionId, sessionBefore, 'the same session');
  assert.equal(a.state, 'connected');
  assert.equal((await queued).delivered, 1);
  await publisher.topics.publish('resume.t', 'm8');
  await waitFor(() => got.length === 8, { what: 'all eight messages' });
  assert.deepEqual(got.map((m) => m.payload), ['m1', 'm2', 'm3', 'm4', 'm5', 'm6', 'm7 (queued by a)', 'm8']);
  assert.deepEqual(got.map((m) => m.seq), [1, 2, 3, 4, 5, 6, 7, 8]);
});

test('resume: requests in flight when the connection drops reject disconnected; locks survive the resume', { timeout: 30000 }, async () => {
  const holder = await pool.open();
  const a = await pool.open(proxied());
  const mine = await a.locks.acquire('kept', { leaseMs: 5000 });
  await holder.locks.acquire('busy');
  const waiting = a.locks.acquire('busy', { timeoutMs: 20000 });
  const rejected = assert.rejects(waiting, (e) => e instanceof SwitchboardError && e.code === 'disconnected');
  await waitFor(async () => (await new AdminClient({ url: server.url, token: ADMIN_TOKEN }).session(a.sessionId)).requests_in_flight === 1,
    { what: 'the acquire to be waiting' });
  const resumed = nextEvent(a, 'resumed', 10000);
  proxy.cut();
  await rejected;
  await resumed;
  assert.ok(mine.held);
  assert.equal(await mine.renew(), 5000, 'the lock is still ours after the resume');
  assert.equal(await holder.locks.tryAcquire('kept'), undefined);
});

test('close: every pending call settles with disconnected when the client closes', { timeout: 30000 }, async () => {
  const holder = await pool.open();
  const backend = await pool.open();
  await holder.locks.acquire('held-forever');
  await backend.rpc.serve('never.answers', () => new Promise(() => {}));
  const a = new Client({ url: server.url });
  await a.connect();
  const calls = [
    a.locks.acquire('held-forever', { timeoutMs: 20000 }),
    a.rpc.call('never.answers', 'x', { timeoutMs: 20000 }),
    a.locks.enqueue('held-forever').then((q) => q.wait(20000)),
  ];
  const settled = Promise.allSettled(calls);
  const closed = nextEvent(a, 'closed');
  await waitFor(async () => (await new AdminClient({ url: server.url, token: ADMIN_TOKEN }).session(a.sessionId)).requests_in_flight >= 2,
    { what: 'the calls to be in flight' });
  await a.close();
  const results = await settled;
  for (const r of results) {
    assert.equal(r.status, 'rejected');
    assert.ok(r.reason instanceof SwitchboardError);
    assert.equal(r.reason.code, 'disconnected');
  }
  assert.deepEqual(await closed, {});
  assert.equal(a.state, 'closed');
  await assert.rejects(a.ping(), (e) => e.code === 'disconnected');
});

test('close by the server: session_closed settles pending calls with its code, marks locks lost, and stops reconnecting', { timeout: 30000 }, async () => {
  const holder = await pool.open();
  await holder.locks.acquire('contended');
  const a = await pool.open({ reconnect: fastReconnect });
  const lock = await a.locks.acquire('mine');
  const lost = new Promise((resolve) => lock.onLost(resolve));
  const pending = a.locks.acquire('contended', { timeoutMs: 20000 });
  const rejected = assert.rejects(pending, (e) => e.code === 'session_closed');
  const closed = nextEvent(a, 'closed');
  let reconnects = 0;
  a.on('disconnected', () => reconnects++);
  const admin = new AdminClient({ url: server.url, token: ADMIN_TOKEN });
  await waitFor(async () => (await admin.session(a.sessionId)).requests_in_flight === 1, { what: 'the acquire in flight' });
  await admin.closeSession(a.sessionId, 'test');
  await rejected;
  assert.equal((await closed).error.code, 'session_closed');
  assert.equal((await lost).reason, 'session_closed');
  assert.equal(reconnects, 0);
  assert.equal(a.state, 'closed');
  await assert.rejects(admin.session(a.sessionId), (e) => e.code === 'session_not_found' && e.status === 404);
});

test('resume: a session that ended while disconnected is reported as closed with session_not_found', { timeout: 30000 }, async () => {
  const a = await pool.open(proxied());
  const id = a.sessionId;
  const closed = nextEvent(a, 'closed', 10000);
  proxy.refusing = true;
  proxy.cut();
  await nextEvent(a, 'disconnected');
  await new AdminClient({ url: server.url, token: ADMIN_TOKEN }).closeSession(id);
  proxy.refusing = false;
  const { error } = await closed;
  assert.equal(error.code, 'session_not_found');
  assert.equal(a.state, 'closed');
});

test('connect: an unreachable server rejects and leaves the client closed', { timeout: 30000 }, async () => {
  proxy.refusing = true;
  const unreachable = new Client(proxied());
  await assert.rejects(unreachable.connect(), (e) => e instanceof SwitchboardError && e.code === 'disconnected');
  assert.equal(unreachable.state, 'closed');
  await assert.rejects(unreachable.ping(), (e) => e.code === 'disconnected');
});

test('admin client: lists, reads and closes sessions; errors carry code and status', { timeout: 30000 }, async () => {
  const a = await pool.open();
  await a.session.set({ user: 'ada' });
  const admin = new AdminClient({ url: server.url, token: ADMIN_TOKEN });
  const list = await admin.sessions();
  assert.equal(list.count, list.sessions.length);
  const mine = list.sessions.find((s) => s.id === a.sessionId);
  assert.equal(mine.transport, 'ws');
  assert.deepEqual(mine.attributes, { user: 'ada' });
  const one = await admin.session(a.sessionId);
  assert.equal(one.state, 'active');
  assert.equal(one.connections, 1);
  await assert.rejects(admin.session('0'.repeat(32)), (e) => e.code === 'session_not_found' && e.status === 404);
  await assert.rejects(new AdminClient({ url: server.url, token: 'wrong' }).sessions(), (e) => e.code === 'unauthorized' && e.status === 401);
  const closed = nextEvent(a, 'closed');
  await admin.closeSession(a.sessionId, 'done');
  assert.equal((await closed).error.code, 'session_closed');
});

test('transports: an unavailable transport passes to the next of the chain; none available rejects', { timeout: 30000 }, async () => {
  const { webSocketTransport, TransportUnavailable } = await import('../dist/index.js');
  const tried = [];
  const blocked = {
    kind: 'sse',
    create: () => ({
      kind: 'sse',
      open: async () => {
        tried.push('sse');
        throw new TransportUnavailable('sse', 'blocked by the test');
      },
      send() {},
      close() {},
    }),
  };
  const a = await pool.open({ transports: [blocked, webSocketTransport] });
  assert.deepEqual(tried, ['sse']);
  assert.equal(a.transportKind, 'ws');
  const none = new Client({ url: server.url, transports: [blocked] });
  await assert.rejects(none.connect(), (e) => e.code === 'disconnected' && /blocked by the test/.test(e.message));
});

test('reconnecting: requests wait for the resume up to maxQueuedRequests, more reject at once', { timeout: 30000 }, async () => {
  const a = await pool.open({ ...proxied(), maxQueuedRequests: 1 });
  proxy.refusing = true;
  proxy.cut();
  await nextEvent(a, 'disconnected');
  const queued = a.session.set({ queued: 'yes' });
  await assert.rejects(a.ping(), (e) => e.code === 'disconnected' && /maxQueuedRequests/.test(e.message));
  proxy.refusing = false;
  assert.deepEqual((await queued).attributes, { queued: 'yes' });
});

test('liveness: a WebSocket path that goes silent is counted dead after three heartbeats, and the session resumes', { timeout: 30000 }, async () => {
  const publisher = await pool.open();
  // An idle healthy connection (direct, not through the proxy) is kept all along: the client's
  // check does not count quiet as dead, since it pings when nothing came for a heartbeat.
  const idle = await pool.open({ reconnect: fastReconnect });
  let idleDrops = 0;
  idle.on('disconnected', () => idleDrops++);
  const a = await pool.open(proxied());
  assert.equal(a.welcome.heartbeat_ms, HEARTBEAT_S * 1000);
  const got = [];
  await a.topics.subscribe('quiet.>', (m) => got.push(m.payload));
  const disconnected = nextEvent(a, 'disconnected', 20000);
  const resumed = nextEvent(a, 'resumed', 25000);
  const stalledAt = Date.now();
  proxy.stall(); // nothing passes any more, and neither end is told
  const { error } = await disconnected;
  const noticedAfter = Date.now() - stalledAt;
  assert.equal(error.code, 'disconnected');
  assert.match(error.message, /nothing received/);
  assert.ok(noticedAfter >= 2 * HEARTBEAT_S * 1000, `noticed after ${noticedAfter} ms, before the deadline`);
  assert.equal((await resumed).recovered, true);
  await publisher.topics.publish('quiet.t', 'after the stall');
  await waitFor(() => got.length === 1, { what: 'the message on the resumed connection' });
  assert.deepEqual(got, ['after the stall']);
  assert.equal(idleDrops, 0, 'the idle connection was never counted dead');
  assert.equal(idle.state, 'connected');
});

test('close: a client closed while it reconnects settles at once and leaves no timer or socket behind', { timeout: 30000 }, async () => {
  const a = new Client({ ...proxied(), reconnect: { initialDelayMs: 5, maxDelayMs: 20 } });
  await a.connect();
  proxy.refusing = true;
  proxy.cut();
  await nextEvent(a, 'disconnected');
  // Close at many points of the reconnect loop: each close() settles, and the state stays closed.
  const closedAt = Date.now();
  await a.close();
  assert.ok(Date.now() - closedAt < 1000, 'close() while reconnecting does not wait');
  assert.equal(a.state, 'closed');
  proxy.refusing = false;
  await assert.rejects(a.ping(), (e) => e.code === 'disconnected');
  for (let i = 0; i < 5; i++) {
    const b = new Client(proxied());
    const opening = b.connect().then(() => 'connected', (e) => e.code);
    await new Promise((r) => setTimeout(r, i * 3));
    await b.close();
    assert.equal(b.state, 'closed');
    assert.ok(['connected', 'disconnected'].includes(await opening));
    assert.equal(b.state, 'closed', 'a connect that finishes after close() leaves the client closed');
  }
});

test('admin client: snapshot shows a held lock, its waiter in order, and what sessions hold and listen to', { timeout: 30000 }, async () => {
  const admin = new AdminClient({ url: server.url, token: ADMIN_TOKEN });
  const holder = await pool.open();
  const waiter = await pool.open();
  await holder.signals.listen('snap.*', () => {});
  const lock = await holder.locks.acquire('snap-lock', { leaseMs: 20000 });
  const waiting = waiter.locks.acquire('snap-lock', { timeoutMs: 20000 });
  const entry = (s) => s.locks.find((l) => l.key === 'snap-lock');
  const snap = await waitFor(async () => {
    const s = await admin.snapshot();
    return entry(s)?.waiters.length === 1 ? s : undefined;
  }, { what: 'the waiter in the snapshot' });
  assert.equal(typeof snap.at_ms, 'number');
  assert.match(snap.node.server, /^switchboard\//);
  const busy = entry(snap);
  assert.equal(busy.kind, 'lock');
  assert.deepEqual(busy.holders.map((h) => h.session), [holder.sessionId]);
  assert.equal(busy.holders[0].fence, lock.token.slice(0, 16), 'the fence, never the token');
  assert.deepEqual(busy.waiters.map((w) => [w.session, w.position, w.state]), [[waiter.sessionId, 1, 'waiting']]);
  const holderSession = snap.sessions.find((s) => s.id === holder.sessionId);
  assert.deepEqual(holderSession.held.map((h) => h.key), ['snap-lock']);
  assert.deepEqual(holderSession.listening, ['snap.*']);
  assert.deepEqual(snap.sessions.find((s) => s.id === waiter.sessionId).waiting.map((w) => [w.key, w.position]), [['snap-lock', 1]]);
  assert.ok(snap.counters.operations_total > 0);
  assert.ok(!JSON.stringify(snap).includes(lock.token), 'no lock token in the snapshot');
  await lock.release();
  await waiting;
  await assert.rejects(new AdminClient({ url: server.url, token: 'wrong' }).snapshot(), (e) => e.code === 'unauthorized' && e.status === 401);
});

test('admin client: watch() delivers snapshots until stopped, and reports errors to onError', { timeout: 30000 }, async () => {
  const admin = new AdminClient({ url: server.url, token: ADMIN_TOKEN });
  const a = await pool.open();
  const seen = [];
  const errors = [];
  const stop = admin.watch(20, (s) => seen.push(s), (e) => errors.push(e));
  await waitFor(() => seen.length >= 2, { what: 'two snapshots' });
  await a.locks.acquire('watched-lock');
  await waitFor(() => seen.at(-1).locks.some((l) => l.key === 'watched-lock'), { what: 'a snapshot with the new lock' });
  stop();
  const count = seen.length;
  // Several intervals after stop(): no snapshot more (not even the one that was in flight).
  await waitFor(() => false, { timeoutMs: 150 }).catch(() => {});
  assert.equal(seen.length, count);
  assert.deepEqual(errors, []);
  assert.ok(seen.at(-1).at_ms >= seen[0].at_ms);

  const failing = [];
  const stopFailing = new AdminClient({ url: server.url, token: 'wrong' }).watch(20, () => assert.fail('a snapshot with a wrong token'), (e) => failing.push(e));
  await waitFor(() => failing.length >= 2, { what: 'the errors of a refused watch' });
  stopFailing();
  assert.ok(failing.every((e) => e instanceof SwitchboardError && e.code === 'unauthorized' && e.status === 401));
});

test('resume: events dropped from the replay buffer while away are reported recovered:false, the rest arrive once', { timeout: 30000 }, async () => {
  const publisher = await pool.open();
  const a = await pool.open(proxied());
  const got = [];
  await a.topics.subscribe('overflow.>', (m) => got.push(m.payload));
  await publisher.topics.publish('overflow.t', 'before');
  await waitFor(() => got.length === 1, { what: 'the first message' });
  const resumed = nextEvent(a, 'resumed', 15000);
  proxy.refusing = true;
  proxy.cut();
  await nextEvent(a, 'disconnected');
  const admin = new AdminClient({ url: server.url, token: ADMIN_TOKEN });
  await waitFor(async () => (await admin.session(a.sessionId)).state === 'detached', { what: 'the session detached' });
  const missed = 3 * REPLAY_BUFFER;
  for (let i = 1; i <= missed; i++) await publisher.topics.publish('overflow.t', `m${i}`);
  proxy.refusing = false;
  const info = await resumed;
  assert.equal(info.recovered, false);
  assert.equal(info.lastSeq, 1);
  assert.equal(info.serverLastSeq, 1 + missed);
  assert.ok(info.firstAvailable > 2, `first available ${info.firstAvailable}: the oldest were dropped`);
  const kept = 1 + missed - info.firstAvailable + 1;
  await waitFor(() => got.length === 1 + kept, { what: 'the events still buffered' });
  const expected = ['before'];
  for (let i = missed - kept + 1; i <= missed; i++) expected.push(`m${i}`);
  assert.deepEqual(got, expected, 'what was still buffered arrives once, in order');
});
