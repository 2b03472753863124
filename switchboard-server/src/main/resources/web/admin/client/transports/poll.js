/**
 * The native protocol over HTTP with long-poll (docs/http-api.md, "Events: long-poll"): requests
 * are `POST …/ops/{op}`, events come from `GET …/poll?after=N&timeout_ms=T` in a loop, each poll
 * acknowledging what the previous one returned (`after` is the last seq handed to the client).
 * Plain request/response calls: the last resort of the fallback chain, for paths that stream nothing.
 */
import { SwitchboardError } from '../errors.js';
import { TransportUnavailable } from '../transport.js';
import { HttpTransport, SESSION_GONE, errorOf, isJson } from './http-common.js';
/** A poll that failed: the server's error, or (without one) a network failure. */
class PollFailure extends Error {
    error;
    constructor(error, detail) {
        super(error ? error.message : detail);
        this.error = error;
    }
}
export class PollTransport extends HttpTransport {
    kind = 'poll';
    pollTimeoutMs;
    pollGraceMs;
    constructor(url, options = {}) {
        super(url, options);
        this.pollTimeoutMs = options.pollTimeoutMs ?? 25000;
        this.pollGraceMs = options.pollGraceMs ?? 10000;
    }
    /**
     * Opens or resumes the session, then reads at once (`timeout_ms=0`) what is pending after
     * `last_seq`: its `gap` says whether the resume recovered everything.
     */
    async open(hello, handlers) {
        const { opened, sink } = await this.openSession(hello, 'poll', handlers);
        let first;
        try {
            first = await this.poll(opened.lastSeq, 0);
        }
        catch (e) {
            await this.abandon(sink, opened.resumed);
            if (e instanceof PollFailure) {
                throw e.error ? new SwitchboardError(e.error.code, e.error.message, { status: e.error.status })
                    : new SwitchboardError('disconnected', e.message);
            }
            throw e;
        }
        const welcome = { ...opened.welcome };
        if (opened.resumed) {
            welcome.recovered = !first.gap;
            if (first.gap)
                welcome.first_available = first.gap.first_available;
        }
        for (const msg of first.events)
            sink.event(msg);
        sink.opened();
        void this.loop(sink, first.last_seq);
        return welcome;
    }
    /** Polls until the transport ends; each poll's `after` acknowledges the events handed over before it. */
    async loop(sink, cursor) {
        while (!sink.ended) {
            let answer;
            try {
                answer = await this.poll(cursor, this.pollTimeoutMs);
            }
            catch (e) {
                const failure = e;
                if (this.http.closing)
                    return; // the session.close's answer ends the transport
                if (failure.error?.code === 'session_not_found')
                    sink.end(SESSION_GONE);
                else if (failure.error)
                    sink.end({ error: failure.error });
                else
                    sink.end({ detail: failure.message });
                return;
            }
            if (sink.ended)
                return;
            if (answer.gap) {
                // Events were dropped between two polls: ending here makes the client resume and learn it.
                sink.end({ error: { code: 'slow_consumer', message: 'events were dropped before a poll read them' } });
                return;
            }
            for (const msg of answer.events)
                sink.event(msg);
            cursor = Math.max(cursor, answer.last_seq);
        }
    }
    async poll(after, timeoutMs) {
        let res;
        try {
            // The handshake's poll (timeout 0) answers at once: it gets the handshake's deadline. A waiting
            // poll is answered by the server within its timeout: past that and a grace, the path is dead.
            res = await this.http.request(this.http.sessionUrl(`/poll?after=${after}&timeout_ms=${timeoutMs}`), { headers: this.http.headers() }, timeoutMs === 0 ? this.http.openTimeoutMs : timeoutMs + this.pollGraceMs);
        }
        catch (e) {
            throw new PollFailure(undefined, `the poll failed: ${e.message}`);
        }
        if (res.status === 204)
            return { events: [], last_seq: after };
        if (!isJson(res)) {
            await res.body?.cancel().catch(() => { });
            throw new TransportUnavailable('poll', `the poll answered HTTP ${res.status} without the server's JSON`);
        }
        if (res.status !== 200)
            throw new PollFailure(await errorOf(res));
        return (await res.json());
    }
}
/** The long-poll entry of the client's fallback chain (fetch from the client's options, unless given here). */
export function pollTransport(options = {}) {
    return { kind: 'poll', create: (url, context) => new PollTransport(url, { fetch: context.fetch, openTimeoutMs: context.connectTimeoutMs, ...options }) };
}
