/**
 * The seam between the client and the wire. The client speaks the native protocol
 * (docs/protocol.md) as JSON objects; a transport carries them. Three transports exist:
 * WebSocket (`ws`, one message per frame, binary frames for byte payloads), and the native
 * HTTP API with Server-Sent Events (`sse`) or long-poll (`poll`) for events
 * (docs/http-api.md, "Native HTTP API"). Whatever the transport, the client sees the same
 * messages: a `welcome`, then `reply`/`error` answers matched by `id`, then events with `seq`.
 */

/** A decoded native protocol message: always an object with an `op`. */
export type WireMessage = { op: string; [field: string]: unknown };

/** The `hello` the client would send on a native connection (docs/protocol.md, "Handshake"). */
export interface HelloRequest {
  version: 1;
  token?: string;
  client?: string;
  /** Present to resume an existing session instead of opening one. */
  resume?: { session: string; key: string; last_seq: number };
  binary?: boolean;
}

/** How a transport reports what arrives and when it ends. */
export interface TransportHandlers {
  /** Every message after the welcome: replies, errors and events, in the order received. */
  message(msg: WireMessage): void;
  /** A binary WebSocket frame (binary envelope or compact relay frame); other transports never call it. */
  binary(frame: Uint8Array): void;
  /**
   * The transport is gone for good (it calls this once, and never after `close()`).
   * `error` is the server's error code when it sent one before closing (for example
   * `session_closed`, `unauthorized`, `heartbeat_timeout`), else undefined for a network failure.
   */
  closed(reason: { error?: { code: string; message: string }; detail?: string }): void;
}

export type TransportKind = 'ws' | 'sse' | 'poll';

export interface Transport {
  readonly kind: TransportKind;
  /**
   * Connects and performs the handshake, resolving with the `welcome` message (shaped as the
   * native protocol's, with `session`, `resume_key` for a new session, `limits`, and after a
   * resume `resumed`, `recovered`, `last_seq`, `first_available`). Rejects with a
   * SwitchboardError carrying the server's code (`unauthorized`, `session_not_found`...), or
   * with a TransportUnavailable error when this transport cannot be used at all here (a proxy
   * refusing the WebSocket upgrade, a buffered event stream), which makes the client try the
   * next transport of its fallback chain.
   */
  open(hello: HelloRequest, handlers: TransportHandlers): Promise<WireMessage>;
  /**
   * Sends one request `{op, id, ...fields}`. Its answer arrives through `handlers.message` as
   * `{op:"reply", id, result}` or `{op:"error", id, error:{code,message}}` — on HTTP the
   * transport turns the POST's response into that shape. Never throws: a request that cannot
   * be sent is answered with an `error` message of code `disconnected`.
   */
  send(request: WireMessage): void;
  /** Sends a binary frame (WebSocket only; undefined on HTTP transports). */
  sendBinary?(frame: Uint8Array): void;
  /** Closes the connection without ending the session (the session can be resumed). */
  close(): void;
}

/** Thrown by `Transport.open` when the transport cannot work in this environment or path. */
export class TransportUnavailable extends Error {
  constructor(readonly kind: TransportKind, detail: string) {
    super(`${kind} transport unavailable: ${detail}`);
    this.name = 'TransportUnavailable';
  }
}
