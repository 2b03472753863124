/**
 * What the SSE and long-poll transports share: the native HTTP API's session routes
 * (docs/http-api.md, "Native HTTP API"). A session is opened by `POST /api/v1/sessions` or, for a
 * resume, addressed with its id and key; each native request is one `POST …/ops/{op}` whose HTTP
 * answer is turned into the native `reply` / `error` message, so the client core cannot tell an
 * HTTP session from a WebSocket one.
 *
 * Byte payloads: the server writes them as `payload_b64` (standard base64) in JSON, as it does on a
 * WebSocket or TCP connection that did not ask for binary frames. These transports pass every
 * message through unchanged (`payload_b64` included) and the client core decodes `payload_b64` into
 * a Uint8Array exactly as it does for a JSON text frame, so the app sees the same types everywhere.
 */
import { SwitchboardError } from '../errors.js';
import { TransportUnavailable } from '../transport.js';
/** The base URL of the HTTP API from the URL the client was given (http(s), or the ws(s) endpoint). */
export function httpBase(url) {
    const u = new URL(url);
    if (u.protocol === 'ws:')
        u.protocol = 'http:';
    if (u.protocol === 'wss:')
        u.protocol = 'https:';
    let path = u.pathname.replace(/\/+$/, '');
    if (path.endsWith('/api/v1/ws'))
        path = path.slice(0, -'/api/v1/ws'.length);
    return `${u.protocol}//${u.host}${path}`;
}
/** A native error object from an HTTP error answer: the server's JSON body, or one made from the status. */
export async function errorOf(res) {
    let text = '';
    try {
        text = await res.text();
    }
    catch {
        // the body could not be read: the status says enough
    }
    try {
        const body = JSON.parse(text);
        if (body && typeof body.code === 'string') {
            const error = {
                code: body.code,
                message: typeof body.message === 'string' ? body.message : body.code,
                status: res.status,
            };
            if ('data' in body)
                error.data = body.data;
            if (typeof body.origin === 'string')
                error.origin = body.origin;
            return error;
        }
    }
    catch {
        // not the server's JSON: something in between (a proxy) answered
    }
    // A gateway that cannot reach the server is, for the client, a lost connection.
    const code = res.status === 502 || res.status === 503 || res.status === 504 ? 'disconnected' : 'internal';
    return { code, message: `HTTP ${res.status} ${res.statusText}`.trim(), status: res.status };
}
/** Whether an answer came from the server itself (a JSON body), not from something in between. */
export function isJson(res) {
    return (res.headers.get('content-type') ?? '').toLowerCase().startsWith('application/json');
}
/**
 * One native session reached over HTTP: its id and key, the requests in flight (each with its own
 * abort signal, so requests never wait for each other and close() cancels them all).
 */
export class HttpSession {
    base;
    session = '';
    key = '';
    token;
    fetchFn;
    openTimeoutMs;
    inFlight = new Set();
    ended = false;
    /** A `session.close` was sent: its answer, not the events' route, reports the session's end. */
    closing = false;
    constructor(url, options) {
        this.base = httpBase(url);
        this.fetchFn = options.fetch ?? globalThis.fetch.bind(globalThis);
        this.openTimeoutMs = options.openTimeoutMs ?? 10_000;
    }
    /** The headers every session route needs: the key (never in a URL) and the bearer token. */
    headers(extra = {}) {
        const h = { ...extra };
        if (this.key)
            h['X-Switchboard-Key'] = this.key;
        if (this.token)
            h['Authorization'] = `Bearer ${this.token}`;
        return h;
    }
    sessionUrl(rest) {
        return `${this.base}/api/v1/sessions/${encodeURIComponent(this.session)}${rest}`;
    }
    /** A fetch that close() aborts, and so does `timeoutMs` when given (until the answer's head). */
    async request(url, init = {}, timeoutMs) {
        // Once closed, nothing new starts: a request close() could not abort would outlive the transport.
        if (this.ended)
            throw new Error('the transport is closed');
        const abort = new AbortController();
        this.inFlight.add(abort);
        const timer = timeoutMs === undefined ? undefined
            : setTimeout(() => abort.abort(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
        try {
            return await this.fetchFn(url, { ...init, signal: abort.signal, cache: 'no-store' });
        }
        finally {
            clearTimeout(timer);
            this.inFlight.delete(abort);
        }
    }
    /** A fetch that close() aborts and that stays registered until `done` (for a body read over time). */
    async longRequest(url, init = {}) {
        if (this.ended)
            throw new Error('the transport is closed');
        const abort = new AbortController();
        this.inFlight.add(abort);
        try {
            const res = await this.fetchFn(url, { ...init, signal: abort.signal, cache: 'no-store' });
            return { res, abort, done: () => this.inFlight.delete(abort) };
        }
        catch (e) {
            this.inFlight.delete(abort);
            throw e;
        }
    }
    /**
     * Opens the session of `hello`: a new one, or the one of `hello.resume` when its key still opens
     * it. Resolves with the welcome's fields except those of the events (recovered, first_available),
     * which the transport adds once it has read the session's events after `last_seq`.
     */
    async open(hello, kind) {
        this.token = hello.token;
        if (hello.resume) {
            this.session = hello.resume.session;
            this.key = hello.resume.key;
            // session.info checks the key and says how far the session's events go.
            const res = await this.openStep(this.sessionUrl('/ops/session.info'), { method: 'POST', headers: this.headers() }, kind);
            if (res.ok) {
                const info = (await res.json());
                const welcome = {
                    op: 'welcome', session: this.session, protocol: 1, limits: {}, resumed: true,
                    last_seq: info.last_seq ?? hello.resume.last_seq,
                };
                return { welcome, lastSeq: hello.resume.last_seq, resumed: true };
            }
            const error = await errorOf(res);
            if (error.code !== 'session_not_found')
                throw new SwitchboardError(error.code, error.message, { status: error.status });
            // As on a native connection: the session is gone, so this is a new session, saying why.
            const fresh = await this.create(kind);
            fresh.welcome.resumed = false;
            fresh.welcome.resume_error = { code: error.code, message: error.message };
            return { ...fresh, resumed: false };
        }
        const fresh = await this.create(kind);
        return { ...fresh, resumed: false };
    }
    async create(kind) {
        this.session = '';
        this.key = '';
        const res = await this.openStep(`${this.base}/api/v1/sessions`, { method: 'POST', headers: this.headers() }, kind);
        if (res.status !== 201) {
            const error = await errorOf(res);
            throw new SwitchboardError(error.code, error.message, { status: error.status });
        }
        const body = (await res.json());
        this.session = String(body.session);
        this.key = String(body.resume_key);
        const welcome = { op: 'welcome', ...body };
        return { welcome, lastSeq: 0 };
    }
    /** A handshake request: a network failure is `disconnected`; an answer that is not the server's, unavailability. */
    async openStep(url, init, kind) {
        let res;
        try {
            res = await this.request(url, init, this.openTimeoutMs);
        }
        catch (e) {
            throw new SwitchboardError('disconnected', `cannot reach ${this.base}: ${e.message}`);
        }
        if (!isJson(res) && res.status !== 204) {
            throw new TransportUnavailable(kind, `the session routes answered HTTP ${res.status} without the server's JSON`);
        }
        return res;
    }
    /**
     * Sends one native request as `POST …/ops/{op}` and reports its answer as the native `reply` or
     * `error` message. Each request is its own fetch, so a blocking `lock.acquire` holds up nothing.
     * `ping` and `session.close`, which the native protocol handles outside the operations, map to a
     * `session.info` (liveness) and to `DELETE` of the session.
     */
    send(request, answer, sessionGone) {
        const { op, id, ...fields } = request;
        const reply = (msg) => {
            if (!this.ended)
                answer(id === undefined ? msg : { ...msg, id });
        };
        let url = this.sessionUrl(`/ops/${encodeURIComponent(op)}`);
        let init = {
            method: 'POST',
            headers: this.headers({ 'Content-Type': 'application/json' }),
            body: JSON.stringify(fields),
        };
        if (op === 'ping')
            url = this.sessionUrl('/ops/session.info');
        if (op === 'session.close') {
            // The session's own end (the stream's session_closed, the poll's 404) is then not news: the
            // DELETE's answer goes to the client first, and ends the transport after it.
            this.closing = true;
            url = this.sessionUrl('');
            init = { method: 'DELETE', headers: this.headers() };
        }
        this.request(url, init).then(async (res) => {
            if (res.ok) {
                const text = res.status === 204 ? '' : await res.text();
                if (op === 'ping')
                    reply({ op: 'pong' });
                else
                    reply({ op: 'reply', result: text ? JSON.parse(text) : {} });
                if (op === 'auth.refresh' && typeof fields.token === 'string')
                    this.token = fields.token;
                if (op === 'session.close')
                    sessionGone();
                return;
            }
            const error = await errorOf(res);
            reply({ op: 'error', error });
            if (error.code === 'session_not_found' || op === 'session.close')
                sessionGone();
        }).catch((e) => {
            reply({ op: 'error', error: { code: 'disconnected', message: `request failed: ${e.message}` } });
            if (op === 'session.close')
                sessionGone();
        });
    }
    /** Cancels every request in flight (their server-side waits end with them). */
    close() {
        this.ended = true;
        for (const abort of this.inFlight)
            abort.abort();
        this.inFlight.clear();
    }
    /** Ends the session on the server (best effort): used when a transport gives up on a session it just made. */
    async discard() {
        if (!this.session)
            return;
        try {
            await this.fetchFn(this.sessionUrl(''), { method: 'DELETE', headers: this.headers() });
        }
        catch {
            // the server will end it after its idle timeout
        }
    }
}
/** Delivers events in seq order, each once: events at or below the last delivered seq are dropped. */
export class SeqFilter {
    delivered;
    constructor(delivered) {
        this.delivered = delivered;
    }
    accept(msg) {
        const seq = msg.seq;
        if (typeof seq !== 'number')
            return true;
        if (seq <= this.delivered)
            return false;
        this.delivered = seq;
        return true;
    }
}
/**
 * Where an HTTP transport's events go: in seq order, each once, and only after the welcome has
 * been handed to the client (events read with the handshake wait for it), until the transport ends.
 */
export class EventSink {
    handlers;
    onEnd;
    filter;
    pending = [];
    over = false;
    constructor(handlers, delivered, onEnd) {
        this.handlers = handlers;
        this.onEnd = onEnd;
        this.filter = new SeqFilter(delivered);
    }
    get ended() {
        return this.over;
    }
    get delivered() {
        return this.filter.delivered;
    }
    /** An event read from the server. */
    event(msg) {
        if (this.over)
            return;
        if (this.pending)
            this.pending.push(msg);
        else if (this.filter.accept(msg))
            this.handlers.message(msg);
    }
    /** The welcome is out: events flow from the next task on (after the client has handled the welcome). */
    opened() {
        setTimeout(() => {
            const held = this.pending ?? [];
            this.pending = null;
            for (const msg of held)
                this.event(msg);
        }, 0);
    }
    /** A request's answer: straight through (answers carry ids, not seqs). */
    answer(msg) {
        if (!this.over)
            this.handlers.message(msg);
    }
    /** The transport is gone: reported once, never after the client's own close(). */
    end(reason, byClient = false) {
        if (this.over)
            return;
        this.over = true;
        this.onEnd();
        if (!byClient)
            this.handlers.closed(reason);
    }
}
/** The reason a transport gives when the session turned out to be gone. */
export const SESSION_GONE = { error: { code: 'session_closed', message: 'the session has ended' } };
/** What the SSE and long-poll transports have in common around their event reading. */
export class HttpTransport {
    http;
    sink;
    constructor(url, options) {
        this.http = new HttpSession(url, options);
    }
    /** Opens the session of `hello` and the sink its events go to. */
    async openSession(hello, kind, handlers) {
        const opened = await this.http.open(hello, kind);
        const sink = new EventSink(handlers, opened.lastSeq, () => this.http.close());
        this.sink = sink;
        return { opened, sink };
    }
    /** The open failed after the session was reached: a session made just now is deleted, not left behind. */
    async abandon(sink, resumed) {
        sink.end({}, true);
        if (!resumed)
            await this.http.discard();
    }
    send(request) {
        const sink = this.sink;
        if (!sink || sink.ended)
            return;
        this.http.send(request, (msg) => sink.answer(msg), () => sink.end(SESSION_GONE));
    }
    /** Stops reading events and cancels requests in flight; the session stays, to be resumed. */
    close() {
        this.sink?.end({}, true);
        this.http.close();
    }
}
