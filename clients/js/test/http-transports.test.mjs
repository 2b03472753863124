// The SSE and long-poll transports against a real server: the same cases for both, through the
// Transport seam exactly as the client core uses it.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './support/server.mjs';
import { Harness } from './support/harness.mjs';
import { SseTransport } from '../dist/transports/sse.js';
import { PollTransport } from '../dist/transports/poll.js';
import { boundTestFile } from './support/bound.mjs';

boundTestFile();

const REPLAY_BUFFER = 8;
let server;

before(async () => {
  server = await startServer(['--replay-buffer-messages', String(REPLAY_BUFFER)]);
});
after(async () => {
  await server?.stop();
});

const kinds = {
  sse: (url) => new SseTransport(url),
  poll: (url) => new PollTransport(url),
};

for (const [kind, make] of Object.entries(kinds)) {
  describe(`${kind} transport`, { timeout: 90000 }, () => {
    test('opens a new session whose welcome is shaped like the native one', async () => {
      const a = new Harness(make(server.url));
      const welcome = await a.open({ version: 1, client: 'test' });
      try {
        assert.equal(a.transport.kind, kind);
        assert.equal(welcome.op, 'welcome');
        assert.match(welcome.session, /^[0-9a-f]{32}$/);
        assert.equal(typeof welcome.resume_key, 'string');
        assert.equal(welcome.limits.replay_buffer_messages, REPLAY_BUFFER);
        assert.equal(welcome.resumed, undefined);
        const info = await a.call('session.info');
        assert.equal(info.session, welcome.session);
      } finally {
        a.transport.close();
      }
    });

    test('runs locks with errors as native error messages, and a blocking acquire holds up nothing', async () => {
      const a = new Harness(make(server.url));
      const b = new Harness(make(server.url));
      await a.open();
      await b.open();
      try {
        const key = `${kind}-lock`;
        const grant = await a.call('lock.acquire', { key, timeout_ms: 1000 });
        assert.equal(grant.status, 'acquired');
        // b waits for the lock; meanwhile b's other requests are answered.
        const waiting = b.request('lock.acquire', { key, timeout_ms: 10000 });
        const sem = await b.call('sem.acquire', { key: `${kind}-sem`, limit: 2, timeout_ms: 0 });
        assert.equal(sem.status, 'acquired');
        const notHeld = await b.request('lock.release', { key, token: '00000000000000000000000000000000' });
        assert.equal(notHeld.op, 'error');
        assert.equal(notHeld.error.code, 'not_held');
        assert.equal(notHeld.error.status, 404);
        const unknown = await b.request('lock.steal', { key });
        assert.equal(unknown.error.code, 'unknown_op');
        await a.call('lock.release', { key, token: grant.token });
        const second = await waiting;
        assert.equal(second.result.status, 'acquired');
        assert.ok(second.result.token > grant.token, 'fencing tokens grow');
      } finally {
        a.transport.close();
        b.transport.close();
      }
    });

    test('receives events in seq order: signals, topics, rpc.request, relay.message with bytes, presence', async () => {
      const a = new Harness(make(server.url));
      const b = new Harness(make(server.url));
      await a.open();
      const wb = await b.open();
      try {
        await a.call('signal.listen', { pattern: `${kind}.jobs.*` });
        assert.equal((await b.call('signal.publish', { channel: `${kind}.jobs.eu`, payload: 'started' })).delivered, 1);
        await a.until((h) => h.eventsOf('signal').length === 1, 5000, 'the signal');
        assert.equal(a.eventsOf('signal')[0].payload, 'started');

        await a.call('topic.subscribe', { pattern: `${kind}.news` });
        await b.call('topic.publish', { topic: `${kind}.news`, payload: { n: 1 } });
        await a.until((h) => h.events.some((e) => e.topic === `${kind}.news`), 5000, 'the topic message');
        const history = await a.call('topic.history', { topic: `${kind}.news` });
        assert.ok(Array.isArray(history.messages));
        const presence = await b.call('topic.presence', { topic: `${kind}.news`, list: true });
        assert.equal(presence.count, 1);

        // a serves a name; b calls it; a answers its rpc.request event.
        await a.call('rpc.serve', { pattern: `${kind}.echo` });
        const call = b.request('rpc.call', { name: `${kind}.echo`, payload: 'ping', timeout_ms: 5000 });
        await a.until((h) => h.eventsOf('rpc.request').length === 1, 5000, 'the rpc.request');
        const req = a.eventsOf('rpc.request')[0];
        assert.equal(req.payload, 'ping');
        await a.call('rpc.respond', { rid: req.rid, payload: 'pong' });
        assert.deepEqual((await call).result, { payload: 'pong' });

        // Bytes travel as payload_b64, unchanged by the transport (the core decodes it).
        const watch = await a.call('presence.subscribe', { peers: [wb.session] });
        assert.deepEqual(watch.online, [wb.session]);
        await a.call('relay.send', { to: wb.session, payload_b64: 'AAEC/w==' });
        await b.until((h) => h.eventsOf('relay.message').length === 1, 5000, 'the relay message');
        assert.equal(b.eventsOf('relay.message')[0].payload_b64, 'AAEC/w==');
        assert.equal(b.eventsOf('relay.message')[0].from, a.welcome.session);

        // auth.refresh is reachable (no token here: the server says what is wrong, not unknown_op).
        const refresh = await a.request('auth.refresh', {});
        assert.equal(refresh.error.code, 'invalid_argument');
        assert.deepEqual(await a.request('ping'), { op: 'pong', id: refresh.id + 1 });

        const seqs = a.events.filter((e) => typeof e.seq === 'number').map((e) => e.seq);
        assert.deepEqual(seqs, [...seqs].sort((x, y) => x - y), 'events in seq order');
        assert.equal(new Set(seqs).size, seqs.length, 'each event once');
      } finally {
        a.transport.close();
        b.transport.close();
      }
    });

    test('resumes after a cut with no event lost or repeated, and close() keeps the session', async () => {
      const a = new Harness(make(server.url));
      const pub = new Harness(make(server.url));
      const first = await a.open();
      await pub.open();
      try {
        const channel = `${kind}.resume`;
        await a.call('signal.listen', { pattern: channel });
        for (const p of ['1', '2']) await pub.call('signal.publish', { channel, payload: p });
        await a.until((h) => h.eventsOf('signal').length === 2, 5000, 'two signals');
        const lastSeq = a.eventsOf('signal')[1].seq;
        a.transport.close();
        assert.equal(a.closedWith, null, 'no closed callback after close()');
        for (const p of ['3', '4']) await pub.call('signal.publish', { channel, payload: p });

        const again = new Harness(make(server.url));
        const welcome = await again.open({ version: 1, resume: { session: first.session, key: first.resume_key, last_seq: lastSeq } });
        assert.equal(welcome.session, first.session);
        assert.equal(welcome.resumed, true);
        assert.equal(welcome.recovered, true);
        assert.equal(welcome.last_seq, lastSeq + 2);
        await pub.call('signal.publish', { channel, payload: '5' });
        await again.until((h) => h.eventsOf('signal').length >= 3, 5000, 'the missed and the new signals');
        assert.deepEqual(again.eventsOf('signal').map((e) => e.payload), ['3', '4', '5']);
        assert.deepEqual(again.eventsOf('signal').map((e) => e.seq), [lastSeq + 1, lastSeq + 2, lastSeq + 3]);
        again.transport.close();
      } finally {
        pub.transport.close();
      }
    });

    test('reports recovered=false with first_available when events were dropped while away', async () => {
      const a = new Harness(make(server.url));
      const pub = new Harness(make(server.url));
      const first = await a.open();
      await pub.open();
      try {
        const channel = `${kind}.overflow`;
        await a.call('signal.listen', { pattern: channel });
        a.transport.close();
        const sent = REPLAY_BUFFER + 4;
        for (let i = 1; i <= sent; i++) await pub.call('signal.publish', { channel, payload: String(i) });

        const again = new Harness(make(server.url));
        const welcome = await again.open({ version: 1, resume: { session: first.session, key: first.resume_key, last_seq: 0 } });
        assert.equal(welcome.resumed, true);
        assert.equal(welcome.recovered, false);
        assert.equal(welcome.first_available, sent - REPLAY_BUFFER + 1);
        await again.until((h) => h.eventsOf('signal').length === REPLAY_BUFFER, 5000, 'the kept signals');
        assert.deepEqual(again.eventsOf('signal').map((e) => e.seq),
          Array.from({ length: REPLAY_BUFFER }, (_, i) => sent - REPLAY_BUFFER + 1 + i));
        again.transport.close();
      } finally {
        pub.transport.close();
      }
    });

    test('a resume of a session that is gone opens a new one, saying why', async () => {
      const a = new Harness(make(server.url));
      const welcome = await a.open({ version: 1, resume: { session: '0'.repeat(32), key: 'wrong', last_seq: 3 } });
      try {
        assert.equal(welcome.resumed, false);
        assert.equal(welcome.resume_error.code, 'session_not_found');
        assert.notEqual(welcome.session, '0'.repeat(32));
        assert.equal(typeof welcome.resume_key, 'string');
        assert.equal((await a.call('session.info')).session, welcome.session);
      } finally {
        a.transport.close();
      }
    });

    test('session.close ends the session: the transport reports session_closed and a resume finds nothing', async () => {
      const a = new Harness(make(server.url));
      const first = await a.open();
      assert.deepEqual((await a.request('session.close')).result, {});
      await a.until((h) => h.closedWith !== null, 5000, 'the end');
      assert.equal(a.closedWith.error.code, 'session_closed');
      const again = new Harness(make(server.url));
      const welcome = await again.open({ version: 1, resume: { session: first.session, key: first.resume_key, last_seq: 0 } });
      assert.equal(welcome.resumed, false);
      again.transport.close();
    });

    test('sends the token as a bearer token on every request, a wrong one is refused, and a server that goes ends the transport', async () => {
      const own = await startServer(['--auth-token', 's3cret']);
      try {
        const a = new Harness(make(own.url));
        await a.open({ version: 1, token: 's3cret' });
        await a.call('signal.listen', { pattern: 'auth.x' });
        await a.call('signal.publish', { channel: 'auth.x', payload: 'ok' });
        await a.until((h) => h.eventsOf('signal').length === 1, 5000, 'the signal');
        a.transport.close();
        const b = new Harness(make(own.url));
        await assert.rejects(b.open({ version: 1, token: 'wrong' }), (e) => e.code === 'unauthorized' && e.status === 401);

        // When the server goes, the transport reports a network end, without an error code.
        const c = new Harness(make(own.url));
        await c.open({ version: 1, token: 's3cret' });
        const stopping = own.stop();
        own.stop = () => stopping; // the launcher's stop() waits for an exit it has already seen
        await c.until((h) => h.closedWith !== null, 40000, 'the end');
        assert.equal(c.closedWith.error, undefined);
        assert.equal(typeof c.closedWith.detail, 'string');
      } finally {
        await own.stop();
      }
    });

    test('a handshake that gets no answer fails disconnected by its deadline', async () => {
      // A path that swallows requests: the fetch never answers until it is aborted.
      const blackHole = (url, init) => new Promise((_, reject) => init.signal.addEventListener('abort', () => reject(init.signal.reason)));
      const options = { fetch: blackHole, openTimeoutMs: 300 };
      const a = new Harness(kind === 'sse' ? new SseTransport(server.url, options) : new PollTransport(server.url, options));
      const started = Date.now();
      await assert.rejects(a.open(), (e) => e.code === 'disconnected');
      assert.ok(Date.now() - started < 3000, 'gave up by the deadline');
    });

    test('a request that cannot reach the server is answered disconnected', async () => {
      let cut = false;
      const fetchThroughCut = (url, init) => (cut && String(url).includes('/ops/')
        ? Promise.reject(new TypeError('fetch failed')) : fetch(url, init));
      const a = new Harness(kind === 'sse' ? new SseTransport(server.url, { fetch: fetchThroughCut })
        : new PollTransport(server.url, { fetch: fetchThroughCut }));
      await a.open();
      cut = true;
      const answer = await a.request('session.info');
      assert.equal(answer.op, 'error');
      assert.equal(answer.error.code, 'disconnected');
      a.transport.close();
    });
  });
}
