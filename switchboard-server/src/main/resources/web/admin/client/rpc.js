import { SwitchboardError } from './errors.js';
import { readPayload } from './payload.js';
import { PatternRegistry, groupField, registerThenSubscribe, unsubscriber } from './handlers.js';
const APPLICATION_CODE = /^[a-z0-9_.-]{1,64}$/;
/** Request/reply (`rpc.*`): calling, calling many, notifying and serving names. */
export class Rpc {
    core;
    services = new PatternRegistry();
    streams = new Map();
    constructor(core) {
        this.core = core;
        core.onEvent('rpc.chunk', (msg) => {
            const onChunk = this.streams.get(msg.call);
            if (!onChunk)
                return;
            try {
                const result = onChunk({ index: Number(msg.index), payload: readPayload(msg) });
                if (result instanceof Promise)
                    result.catch((err) => console.error('switchboard-client: onChunk failed', err));
            }
            catch (err) {
                console.error('switchboard-client: onChunk threw', err);
            }
        });
        core.onEvent('rpc.request', (msg) => void this.serveRequest(msg));
    }
    /** Calls whoever serves `name`; resolves with the answer's payload, rejects with its error. */
    async call(name, payload, options = {}) {
        const id = this.core.nextId();
        if (options.onChunk)
            this.streams.set(id, options.onChunk);
        try {
            const result = await this.core.request('rpc.call', {
                name,
                ...(options.timeoutMs !== undefined ? { timeout_ms: options.timeoutMs } : {}),
                ...(options.idempotent ? { idempotent: true } : {}),
                ...(options.onChunk ? { stream: true } : {}),
            }, payload, id);
            return readPayload(result);
        }
        finally {
            this.streams.delete(id);
        }
    }
    /**
     * Asks every service serving `name` (or each name of a list) and gathers each one's outcome;
     * `complete` is true when every member answered.
     */
    async callMany(nameOrTargets, payload, options = {}) {
        const result = await this.core.request('rpc.call_many', {
            ...(Array.isArray(nameOrTargets) ? { targets: nameOrTargets } : { name: nameOrTargets }),
            ...(options.timeoutMs !== undefined ? { timeout_ms: options.timeoutMs } : {}),
            ...(options.maxReplies !== undefined ? { max_replies: options.maxReplies } : {}),
        }, payload);
        const replies = result.replies.map((r) => {
            const reply = { target: String(r.target), member: r.member ?? null };
            if (r.error)
                reply.error = SwitchboardError.fromWire(r.error);
            else
                reply.payload = readPayload(r);
            return reply;
        });
        return { replies, complete: result.complete };
    }
    /** Fire-and-forget to one server of `name`; with `ack`, rejects `no_responders` when nothing serves it. */
    async notify(name, payload, options = {}) {
        await this.core.request('rpc.notify', { name, ...(options.ack ? { ack: true } : {}) }, payload);
    }
    /** Serves `pattern` (`*` one token, `>` the rest): each matching call or notify runs `handler`. */
    async serve(pattern, handler, options = {}) {
        const entry = { pattern, group: options.group, handler };
        const fields = { pattern, ...groupField(options.group) };
        await registerThenSubscribe(this.services, entry, () => this.core.request('rpc.serve', fields));
        return {
            pattern,
            group: options.group,
            unserve: unsubscriber(this.services, entry, () => this.core.request('rpc.unserve', fields)),
        };
    }
    async serveRequest(msg) {
        const name = String(msg.name);
        const rid = typeof msg.rid === 'string' ? msg.rid : undefined;
        const notify = msg.notify === true;
        const entry = this.services.first(name);
        const request = {
            name,
            payload: readPayload(msg),
            notify,
            stream: msg.stream === true,
            chunk: async (payload) => {
                if (!rid)
                    throw new SwitchboardError('invalid_state', 'a notify has no answer to stream');
                await this.core.request('rpc.chunk', { rid }, payload);
            },
        };
        if (rid)
            request.rid = rid;
        if (typeof msg.timeout_ms === 'number')
            request.timeoutMs = msg.timeout_ms;
        if (msg.caller)
            request.caller = msg.caller;
        let answer;
        let answerPayload;
        try {
            if (!entry)
                throw new SwitchboardError('no_responders', `nothing serves ${name} in this client any more`);
            answerPayload = await entry.handler(request);
            answer = { rid };
        }
        catch (err) {
            answer = { rid, error: applicationError(err) };
            if (notify)
                console.error(`switchboard-client: the handler of notify ${name} failed`, err);
        }
        if (notify || !rid)
            return;
        try {
            await this.core.request('rpc.respond', answer, answer.error ? undefined : answerPayload);
        }
        catch {
            // unknown_request: the caller gave up or its deadline passed; nobody waits for this answer.
        }
    }
}
function applicationError(err) {
    const e = (err && typeof err === 'object' ? err : {});
    const code = typeof e.code === 'string' && APPLICATION_CODE.test(e.code) ? e.code : 'handler_failed';
    const error = { code, message: typeof e.message === 'string' ? e.message : String(err) };
    if (e.data !== undefined)
        error.data = e.data;
    return error;
}
