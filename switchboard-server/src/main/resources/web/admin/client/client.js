import { TransportUnavailable } from './transport.js';
import { SwitchboardError, disconnected, isFatal } from './errors.js';
import { backoffDelay, DEFAULT_BACKOFF } from './backoff.js';
import { SequenceTracker } from './sequence.js';
import { Emitter, reportListenerError } from './emitter.js';
import { PendingRequests } from './requests.js';
import { isBytes, payloadFields, toBytes } from './payload.js';
import { encodeEnvelope, decodeBinaryFrame } from './binary.js';
import { defaultTransports } from './transports/index.js';
import { Locks, Semaphores } from './locks.js';
import { Signals, Topics } from './pubsub.js';
import { Rpc } from './rpc.js';
import { Relay, Presence } from './relay.js';
import { SessionApi } from './session.js';
const OPEN_STATES = new Set(['connected', 'reconnecting']);
/**
 * A Switchboard client: one native session, kept across dropped connections by resuming it.
 *
 * Requests made while reconnecting wait in a bounded queue (`maxQueuedRequests`) and are sent once
 * the session is resumed; past the bound they reject at once with `disconnected`, and when the
 * client closes for good every queued request rejects with the closing error. Requests that were
 * already sent when the connection dropped reject with `disconnected`: the server cancels a
 * connection's pending waits when it goes, and their effect may or may not have happened.
 */
export class Client extends Emitter {
    options;
    locks;
    semaphores;
    signals;
    topics;
    rpc;
    relay;
    presence;
    session;
    stateValue = 'idle';
    transport;
    sessionIdValue;
    resumeKey;
    welcomeValue;
    sequence = new SequenceTracker();
    pending = new PendingRequests();
    eventHandlers = new Map();
    closeHandlers = [];
    lastId = 0;
    /** close() is under way: the server's `session_closed` that follows is ours, not news. */
    closing = false;
    /** Messages that came with the welcome, before it was handled: delivered right after it. */
    early = [];
    /** The seq a resume asked to replay after. */
    resumedFrom = 0;
    reconnectTimer;
    /** The index in the fallback chain of the transport that last worked: where a resume starts. */
    workingTransport = 0;
    /** Resumes made in a row on a transport that is not the chain's first. */
    resumesOnFallback = 0;
    /** When the current connection last received anything (ms), and the timer that watches it. */
    lastHeard = 0;
    livenessTimer;
    backoff;
    maxAttempts;
    maxQueued;
    constructor(options) {
        super();
        this.options = options;
        const reconnect = options.reconnect === false ? undefined : options.reconnect;
        this.backoff = { ...DEFAULT_BACKOFF, ...(reconnect ?? {}) };
        this.maxAttempts = options.reconnect === false ? 0 : (reconnect?.maxAttempts ?? Infinity);
        this.maxQueued = options.maxQueuedRequests ?? 256;
        const core = this.core();
        this.locks = new Locks(core);
        this.semaphores = new Semaphores(core);
        this.signals = new Signals(core);
        this.topics = new Topics(core);
        this.rpc = new Rpc(core);
        this.relay = new Relay(core);
        this.presence = new Presence(core);
        this.session = new SessionApi(core);
        this.onEvent('lock.lost', (msg) => this.emit('lock.lost', msg));
        this.onEvent('notify', (msg) => this.emit('notify', { name: String(msg.name), payload: msg.payload ?? msg.payload_b64, seq: msg.seq }));
        this.onEvent('session.attributes', (msg) => this.emit('attributes', (msg.attributes ?? {})));
        this.onEvent('gap', (msg) => this.emit('gap', { fromSeq: Number(msg.from_seq), toSeq: Number(msg.to_seq) }));
        this.onEvent('token.expiring', () => void this.refreshToken());
    }
    get state() {
        return this.stateValue;
    }
    /** The session id (32 hex), once connected. */
    get sessionId() {
        return this.sessionIdValue;
    }
    /** The newest event seq handled: what a resume asks to replay after. */
    get lastSeq() {
        return this.sequence.last;
    }
    /** The transport in use (`ws`, `sse`, `poll`), while connected. */
    get transportKind() {
        return this.transport?.kind;
    }
    /** The last welcome (its `limits`, `heartbeat_ms`, `server`...). */
    get welcome() {
        return this.welcomeValue;
    }
    /** Opens the session. Rejects (and the client is closed) when no transport can reach the server. */
    async connect() {
        if (this.stateValue !== 'idle')
            throw new SwitchboardError('invalid_state', `connect() on a ${this.stateValue} client`);
        this.stateValue = 'connecting';
        try {
            const welcome = await this.openTransport(undefined);
            this.welcomed(welcome, false);
        }
        catch (err) {
            const error = asSwitchboardError(err);
            this.shutDown(error);
            throw error;
        }
    }
    /**
     * Ends the session (`session.close`: its locks are released, its subscriptions dropped) and
     * closes the client. Every pending request rejects with `disconnected`.
     */
    async close() {
        if (this.stateValue === 'closed')
            return;
        if (this.stateValue === 'connected') {
            // Settle the app's calls first, all alike, before the server answers them `session_closed`.
            this.closing = true;
            this.pending.rejectAll(new SwitchboardError('disconnected', 'the client was closed'));
            const id = this.nextId();
            let timer;
            const answered = new Promise((resolve) => {
                this.pending.add({ id, op: 'session.close', fields: {}, sent: true, resolve: () => resolve(), reject: () => resolve() });
                // The server's answer is awaited for at most 2 s: close() always settles.
                timer = setTimeout(resolve, 2000);
            });
            this.transport?.send({ op: 'session.close', id });
            await answered;
            clearTimeout(timer);
        }
        this.shutDown(undefined);
    }
    /** Sends a `ping` and resolves with the round trip in ms. */
    async ping() {
        const start = Date.now();
        await this.request('ping');
        return Date.now() - start;
    }
    /** The server's `stats` (the dflockd stats object). */
    stats() {
        return this.request('stats');
    }
    // ---- requests ----
    nextId() {
        return ++this.lastId;
    }
    request(op, fields = {}, payload, id = this.nextId()) {
        return new Promise((resolve, reject) => {
            if (!OPEN_STATES.has(this.stateValue)) {
                reject(this.stateValue === 'closed' ? new SwitchboardError('disconnected', 'the client is closed') : new SwitchboardError('invalid_state', 'connect() first'));
                return;
            }
            const request = { id, op, fields, payload, sent: false, resolve: resolve, reject };
            if (this.stateValue === 'reconnecting') {
                if (this.pending.unsent().length >= this.maxQueued) {
                    reject(new SwitchboardError('disconnected', `reconnecting, and ${this.maxQueued} requests wait already (maxQueuedRequests)`));
                    return;
                }
                this.pending.add(request);
                return;
            }
            this.pending.add(request);
            this.write(request);
        });
    }
    write(request) {
        const transport = this.transport;
        if (!transport)
            return;
        request.sent = true;
        const header = { op: request.op, id: request.id, ...request.fields };
        if (isBytes(request.payload) && transport.sendBinary) {
            transport.sendBinary(encodeEnvelope(header, toBytes(request.payload)));
        }
        else {
            transport.send({ ...header, ...payloadFields(request.payload) });
        }
    }
    onEvent(op, handler) {
        let set = this.eventHandlers.get(op);
        if (!set)
            this.eventHandlers.set(op, (set = new Set()));
        set.add(handler);
        return () => set.delete(handler);
    }
    core() {
        return {
            request: (op, fields, payload, id) => this.request(op, fields, payload, id),
            nextId: () => this.nextId(),
            onEvent: (op, handler) => this.onEvent(op, handler),
            onClosed: (handler) => void this.closeHandlers.push(handler),
        };
    }
    // ---- connection ----
    async hello(resume) {
        const hello = { version: 1 };
        const token = this.options.getToken ? await this.options.getToken() : this.options.token;
        if (token !== undefined)
            hello.token = token;
        if (this.options.client !== undefined)
            hello.client = this.options.client;
        if (resume)
            hello.resume = resume;
        return hello;
    }
    /** Tries each transport of the chain in order; one that is unavailable passes to the next. */
    async openTransport(resume) {
        const factories = this.options.transports ?? defaultTransports;
        const context = { WebSocket: this.options.WebSocket, fetch: this.options.fetch, connectTimeoutMs: this.options.connectTimeoutMs };
        const unavailable = [];
        for (const index of this.chainOrder(factories.length, resume !== undefined)) {
            const factory = factories[index];
            const hello = await this.hello(resume);
            // close() may have come while the token was fetched: open nothing it could not close.
            if (this.isClosed())
                throw new SwitchboardError('disconnected', 'the client was closed');
            this.early = [];
            const transport = factory.create(this.options.url, context);
            this.transport = transport;
            try {
                const welcome = await transport.open(hello, {
                    message: (msg) => this.received(transport, msg),
                    binary: (frame) => this.receivedBinary(transport, frame),
                    closed: (reason) => this.transportClosed(transport, reason),
                });
                if (this.isClosed()) {
                    // Opened after close(): this connection is nobody's, it must not keep the process alive.
                    transport.close();
                    throw new SwitchboardError('disconnected', 'the client was closed');
                }
                this.transportWorked(index, resume !== undefined);
                return welcome;
            }
            catch (err) {
                if (this.transport === transport)
                    this.transport = undefined;
                transport.close();
                if (err instanceof TransportUnavailable) {
                    unavailable.push(err.message);
                    continue;
                }
                throw err;
            }
        }
        throw new SwitchboardError('disconnected', `no transport could reach ${this.options.url}: ${unavailable.join('; ')}`);
    }
    /** A method, not a field read: TypeScript would narrow the state across the awaits that change it. */
    isClosed() {
        return this.stateValue === 'closed';
    }
    /**
     * The order to try the chain's transports in: from the first on a fresh connect, from the one
     * that last worked on a resume (then the ones after it, then those before it).
     */
    chainOrder(length, resuming) {
        const start = resuming && this.workingTransport < length ? this.workingTransport : 0;
        return Array.from({ length }, (_, i) => (start + i) % length);
    }
    transportWorked(index, resuming) {
        this.workingTransport = index;
        this.resumesOnFallback = index > 0 && resuming ? this.resumesOnFallback + 1 : 0;
        if (this.resumesOnFallback >= (this.options.retryFirstTransportAfterResumes ?? 10)) {
            // Try the chain's first transport again at the next resume: whatever blocked it may be gone.
            this.workingTransport = 0;
            this.resumesOnFallback = 0;
        }
    }
    /**
     * Watches a WebSocket connection for silence: a dead path (a proxy that stops forwarding, a
     * network that drops packets without a reset) otherwise goes unnoticed until the OS gives up.
     */
    watchLiveness(transport, welcome) {
        this.stopLiveness();
        const beat = Number(welcome.heartbeat_ms ?? 0);
        const factor = this.options.livenessHeartbeats ?? 3;
        if (transport.kind !== 'ws' || !(beat > 0) || !(factor > 0))
            return;
        const deadline = beat * factor;
        this.lastHeard = Date.now();
        let pingedAt = 0;
        this.livenessTimer = setInterval(() => {
            if (transport !== this.transport) {
                this.stopLiveness();
                return;
            }
            const now = Date.now();
            const quiet = now - this.lastHeard;
            if (quiet >= deadline) {
                this.stopLiveness();
                transport.close();
                this.transportClosed(transport, { detail: `nothing received for ${quiet} ms (${factor} heartbeats)` });
                return;
            }
            // The server's own heartbeat may be a WebSocket Ping, which scripts never see: ask for a pong.
            if (quiet >= beat && now - pingedAt >= beat) {
                pingedAt = now;
                transport.send({ op: 'ping', id: this.nextId() });
            }
        }, Math.max(20, Math.min(1000, Math.floor(beat / 4))));
    }
    stopLiveness() {
        if (this.livenessTimer)
            clearInterval(this.livenessTimer);
        this.livenessTimer = undefined;
    }
    welcomed(welcome, resuming) {
        const early = this.early;
        this.early = [];
        if (this.stateValue === 'closed') {
            this.transport?.close();
            return;
        }
        if (resuming && welcome.resumed !== true) {
            // The session is gone (its grace ran out, an admin closed it...): the server made a new one,
            // which we do not want. Everything the app held is lost; that is fatal for this client.
            this.transport?.send({ op: 'session.close' });
            const error = welcome.resume_error
                ? SwitchboardError.fromWire(welcome.resume_error)
                : new SwitchboardError('session_not_found', 'the session could not be resumed');
            this.shutDown(error);
            return;
        }
        this.welcomeValue = welcome;
        this.sessionIdValue = String(welcome.session);
        if (typeof welcome.resume_key === 'string')
            this.resumeKey = welcome.resume_key;
        this.stateValue = 'connected';
        if (this.transport)
            this.watchLiveness(this.transport, welcome);
        for (const request of this.pending.unsent())
            this.write(request);
        const transport = this.transport?.kind ?? 'ws';
        this.emit('connected', { session: this.sessionIdValue, transport, resumed: resuming });
        if (resuming) {
            const resumed = {
                recovered: welcome.recovered === true,
                lastSeq: this.resumedFrom,
                serverLastSeq: Number(welcome.last_seq ?? 0),
            };
            if (typeof welcome.first_available === 'number')
                resumed.firstAvailable = welcome.first_available;
            this.emit('resumed', resumed);
        }
        // The replay (and anything else that came in the welcome's packet) after 'resumed'.
        for (const { transport, msg } of early)
            this.received(transport, msg);
    }
    received(transport, msg) {
        if (transport !== this.transport)
            return;
        this.lastHeard = Date.now();
        if (this.stateValue !== 'connected') {
            // Still handling the welcome (a WebSocket may deliver it and the replay in one go).
            if (this.stateValue !== 'closed')
                this.early.push({ transport, msg });
            return;
        }
        if (msg.id !== undefined && (msg.op === 'reply' || msg.op === 'error' || msg.op === 'pong')) {
            if (this.pending.answer(msg))
                return;
            if (msg.op === 'pong')
                return; // the liveness check's own ping
        }
        if (typeof msg.seq === 'number' && !this.sequence.accept(msg.seq))
            return; // replayed twice
        if (msg.op === 'ping') {
            transport.send({ op: 'pong' });
            return;
        }
        if (msg.op === 'error') {
            // An error event that ends the connection is reported by transportClosed; others go to the app.
            const error = SwitchboardError.fromWire(msg.error);
            if (!isFatal(error.code))
                this.emit('error', error);
            return;
        }
        for (const handler of [...(this.eventHandlers.get(msg.op) ?? [])]) {
            try {
                handler(msg);
            }
            catch (err) {
                reportListenerError(err);
            }
        }
        this.emit('event', msg);
    }
    receivedBinary(transport, frame) {
        if (transport === this.transport)
            this.lastHeard = Date.now();
        let msg;
        try {
            msg = decodeBinaryFrame(frame);
        }
        catch (err) {
            this.emit('error', new SwitchboardError('bad_frame', `the server sent a frame the client cannot read: ${String(err)}`));
            return;
        }
        this.received(transport, msg);
    }
    transportClosed(transport, reason) {
        if (transport !== this.transport)
            return;
        this.transport = undefined;
        this.stopLiveness();
        if (this.closing)
            return;
        const error = reason.error ? SwitchboardError.fromWire(reason.error) : disconnected(`the connection was lost (${reason.detail ?? 'no detail'})`);
        // Whatever was sent on that connection can no longer be answered.
        this.pending.rejectAll(reason.error ? error : disconnected(), (r) => r.sent);
        if (isFatal(error.code) || this.maxAttempts === 0 || this.stateValue !== 'connected') {
            this.shutDown(error);
            return;
        }
        this.stateValue = 'reconnecting';
        this.emit('disconnected', { error });
        this.scheduleReconnect(0);
    }
    scheduleReconnect(attempt) {
        const delay = backoffDelay(attempt, this.backoff);
        this.reconnectTimer = setTimeout(() => void this.reconnect(attempt), delay);
    }
    async reconnect(attempt) {
        this.reconnectTimer = undefined;
        if (this.stateValue !== 'reconnecting')
            return;
        try {
            this.resumedFrom = this.sequence.last;
            const welcome = await this.openTransport({ session: this.sessionIdValue, key: this.resumeKey, last_seq: this.resumedFrom });
            this.welcomed(welcome, true);
        }
        catch (err) {
            if (this.stateValue !== 'reconnecting')
                return;
            const error = asSwitchboardError(err);
            if (isFatal(error.code) || attempt + 1 >= this.maxAttempts)
                this.shutDown(error);
            else
                this.scheduleReconnect(attempt + 1);
        }
    }
    async refreshToken() {
        if (!this.options.getToken)
            return;
        try {
            const token = await this.options.getToken();
            const result = await this.request('auth.refresh', { token });
            this.emit('token.refreshed', { expiresAt: result.expires_at });
        }
        catch (err) {
            this.emit('error', asSwitchboardError(err));
        }
    }
    /** Closes for good: stops reconnecting, settles every request, tells the modules and the app. */
    shutDown(error) {
        if (this.stateValue === 'closed')
            return;
        this.stateValue = 'closed';
        if (this.reconnectTimer)
            clearTimeout(this.reconnectTimer);
        this.reconnectTimer = undefined;
        this.stopLiveness();
        const transport = this.transport;
        this.transport = undefined;
        transport?.close();
        const settle = error ?? new SwitchboardError('disconnected', 'the client was closed');
        this.pending.rejectAll(settle);
        for (const handler of this.closeHandlers) {
            try {
                handler(settle);
            }
            catch (err) {
                reportListenerError(err);
            }
        }
        this.emit('closed', error ? { error } : {});
    }
}
function asSwitchboardError(err) {
    if (err instanceof SwitchboardError)
        return err;
    return new SwitchboardError('disconnected', err instanceof Error ? err.message : String(err));
}
