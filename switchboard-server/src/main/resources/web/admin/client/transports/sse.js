/**
 * The native protocol over HTTP with Server-Sent Events (docs/http-api.md, "Events: Server-Sent
 * Events"): requests are `POST …/ops/{op}`, events arrive on `GET …/events`, read with fetch and a
 * streaming parser (EventSource cannot send the session key header; Node 20 has none).
 *
 * Telling that SSE cannot work here (TransportUnavailable, so the client falls back to long-poll):
 * the server starts every stream at once with `retry: 1000` (before any event, even on an idle
 * session), so a stream that works delivers bytes within a round trip. A proxy that buffers
 * responses (or strips streaming) delivers nothing until the response ends, which for an event
 * stream is never: when neither a `text/event-stream` answer nor its first line has arrived by the
 * probe deadline, or the answer is something else (a proxy's HTML page, a JSON body that is not the
 * server's error), SSE is declared unavailable. This does not depend on any event being sent, so
 * it is as quick on an idle session as on a busy one. A session made by this open is then deleted,
 * so that the next transport does not leave it behind.
 */
import { SwitchboardError } from '../errors.js';
import { TransportUnavailable } from '../transport.js';
import { HttpTransport, errorOf, isJson } from './http-common.js';
import { SseParser } from './sse-parser.js';
export class SseTransport extends HttpTransport {
    kind = 'sse';
    probeMs;
    idleTimeoutMs;
    constructor(url, options = {}) {
        super(url, options);
        this.probeMs = options.probeMs ?? 3000;
        this.idleTimeoutMs = options.idleTimeoutMs ?? 45000;
    }
    async open(hello, handlers) {
        const { opened, sink } = await this.openSession(hello, 'sse', handlers);
        try {
            return await this.attach(opened, sink);
        }
        catch (e) {
            await this.abandon(sink, opened.resumed);
            throw e;
        }
    }
    /**
     * Opens the event stream after `last_seq`; resolves with the welcome once the stream's head has
     * come and, on a resume with events pending, once its first event or gap says whether they are
     * all still there (the server writes the head, the gap and the backlog together).
     */
    attach(opened, sink) {
        const newest = typeof opened.welcome.last_seq === 'number' ? opened.welcome.last_seq : 0;
        const waitForBacklog = opened.resumed && newest > opened.lastSeq;
        return new Promise((resolve, reject) => {
            let settled = false;
            let head = false;
            const welcome = { ...opened.welcome };
            if (opened.resumed)
                welcome.recovered = true;
            const fail = (e) => {
                if (settled)
                    return;
                settled = true;
                clearTimeout(probe);
                reject(e);
            };
            const succeed = () => {
                if (settled)
                    return;
                settled = true;
                clearTimeout(probe);
                resolve(welcome);
                sink.opened();
            };
            const probe = setTimeout(() => fail(new TransportUnavailable('sse', `the event stream showed nothing within ${this.probeMs} ms (a proxy buffering it?)`)), this.probeMs);
            const parser = new SseParser((e) => {
                let msg;
                try {
                    msg = JSON.parse(e.data);
                }
                catch {
                    return; // not the server's event: skipped, as unknown events are
                }
                if (e.event === 'gap' || msg.op === 'gap') {
                    if (!settled) {
                        welcome.recovered = false;
                        welcome.first_available = msg.first_available;
                        succeed();
                    }
                    else {
                        // Events dropped while this stream was open: resuming reports the loss to the client.
                        sink.end({ error: { code: 'slow_consumer', message: 'events were dropped before the stream read them' } });
                    }
                    return;
                }
                if (msg.op === 'error' && msg.id === undefined) {
                    const error = msg.error;
                    if (!settled)
                        fail(new SwitchboardError(error.code, error.message));
                    else if (!this.http.closing)
                        sink.end({ error });
                    return;
                }
                if (head)
                    succeed();
                sink.event(msg);
            }, () => {
                head = true;
                if (!waitForBacklog)
                    succeed();
            });
            const headers = this.http.headers({ Accept: 'text/event-stream', 'Last-Event-ID': String(opened.lastSeq) });
            this.http.longRequest(this.http.sessionUrl('/events'), { headers }).then(async ({ res, abort, done }) => {
                // A stream that goes silent (a proxy that stopped forwarding) is aborted, which ends the transport.
                let idle;
                const watch = () => {
                    clearTimeout(idle);
                    if (this.idleTimeoutMs > 0) {
                        idle = setTimeout(() => abort.abort(new Error(`nothing arrived for ${this.idleTimeoutMs} ms`)), this.idleTimeoutMs);
                    }
                };
                try {
                    const type = (res.headers.get('content-type') ?? '').toLowerCase();
                    if (res.status !== 200 || !type.startsWith('text/event-stream') || !res.body) {
                        if (isJson(res) && res.status !== 200) {
                            const error = await errorOf(res);
                            fail(new SwitchboardError(error.code, error.message, { status: error.status }));
                        }
                        else {
                            fail(new TransportUnavailable('sse', `the event stream answered HTTP ${res.status} ${type || 'without a type'}`));
                        }
                        await res.body?.cancel().catch(() => { });
                        return;
                    }
                    const reader = res.body.getReader();
                    const decoder = new TextDecoder();
                    for (;;) {
                        watch();
                        const { done: end, value } = await reader.read();
                        if (end)
                            break;
                        parser.push(decoder.decode(value, { stream: true }));
                        if (sink.ended) {
                            await reader.cancel().catch(() => { });
                            return;
                        }
                    }
                    if (!settled)
                        fail(new SwitchboardError('disconnected', 'the event stream ended during the handshake'));
                    else if (!this.http.closing)
                        sink.end({ detail: 'the event stream ended' });
                }
                finally {
                    clearTimeout(idle);
                    done();
                }
            }).catch((e) => {
                const detail = `the event stream failed: ${e.message}`;
                if (!settled)
                    fail(new SwitchboardError('disconnected', detail));
                else if (!this.http.closing)
                    sink.end({ detail });
            });
        });
    }
}
/** The SSE entry of the client's fallback chain (fetch from the client's options, unless given here). */
export function sseTransport(options = {}) {
    return { kind: 'sse', create: (url, context) => new SseTransport(url, { fetch: context.fetch, openTimeoutMs: context.connectTimeoutMs, ...options }) };
}
