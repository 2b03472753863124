/**
 * The seam between the client and the wire. The client speaks the native protocol
 * (docs/protocol.md) as JSON objects; a transport carries them. Three transports exist:
 * WebSocket (`ws`, one message per frame, binary frames for byte payloads), and the native
 * HTTP API with Server-Sent Events (`sse`) or long-poll (`poll`) for events
 * (docs/http-api.md, "Native HTTP API"). Whatever the transport, the client sees the same
 * messages: a `welcome`, then `reply`/`error` answers matched by `id`, then events with `seq`.
 */
/** Thrown by `Transport.open` when the transport cannot work in this environment or path. */
export class TransportUnavailable extends Error {
    kind;
    constructor(kind, detail) {
        super(`${kind} transport unavailable: ${detail}`);
        this.kind = kind;
        this.name = 'TransportUnavailable';
    }
}
