/**
 * Every failure the client reports is a SwitchboardError carrying the server's stable `code`
 * (docs/protocol.md, "Errors"), so programs branch on `code`, never on `message`.
 */
export class SwitchboardError extends Error {
    /** The server's error code (`not_held`, `timeout`...) or the client's own (`disconnected`). */
    code;
    /** The HTTP status, when the error came from an HTTP answer. */
    status;
    /** The `data` of an application error (an `rpc.respond` with `error.data`). */
    data;
    /** `application` when a responder raised it, absent when the server did. */
    origin;
    constructor(code, message, extra = {}) {
        super(message);
        this.name = 'SwitchboardError';
        this.code = code;
        if (extra.status !== undefined)
            this.status = extra.status;
        if (extra.data !== undefined)
            this.data = extra.data;
        if (extra.origin !== undefined)
            this.origin = extra.origin;
    }
    /**
     * Builds the error from the wire's `{code, message, data?, origin?}` object (tolerating junk).
     * The HTTP transports put the answer's HTTP `status` on that object; it is kept unless `status` is given.
     */
    static fromWire(error, status) {
        const e = (error && typeof error === 'object' ? error : {});
        if (status === undefined && typeof e.status === 'number')
            status = e.status;
        const code = typeof e.code === 'string' && e.code ? e.code : 'internal';
        const message = typeof e.message === 'string' ? e.message : code;
        return new SwitchboardError(code, message, {
            status,
            data: e.data,
            origin: typeof e.origin === 'string' ? e.origin : undefined,
        });
    }
}
/** The error of a connection that went away with no word from the server. */
export function disconnected(detail = 'the connection to the server was lost') {
    return new SwitchboardError('disconnected', detail);
}
/**
 * Codes after which reconnecting cannot help: the credentials are refused, the session is gone,
 * or another session took the identity. Anything else (a network failure, `heartbeat_timeout`,
 * `slow_consumer`, `draining`...) is worth a resume.
 */
const FATAL = new Set([
    'unauthorized',
    'forbidden',
    'session_closed',
    'session_not_found',
    'replaced',
    'token_expired',
    'hello_required',
    'unsupported_version',
    'max_sessions',
    'max_sessions_per_ip',
]);
export function isFatal(code) {
    return code !== undefined && FATAL.has(code);
}
