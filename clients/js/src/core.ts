import type { WireMessage } from './transport.js';
import type { Payload } from './payload.js';

/**
 * What the feature modules (locks, messaging, relay...) need from the connection: sending a
 * request and hearing events. They never see transports or the reconnect logic.
 */
export interface ClientCore {
  /**
   * Sends `{op, id, ...fields}` plus the payload (bytes as a binary envelope on WebSocket, else
   * `payload_b64`; anything else as `payload`) and resolves with the reply's `result`, or
   * rejects with a SwitchboardError. `id` may be reserved beforehand with `nextId()`.
   */
  request<T = Record<string, unknown>>(op: string, fields?: Record<string, unknown>, payload?: Payload, id?: number): Promise<T>;
  /** A fresh request id, for a request whose events must be matched before it is answered. */
  nextId(): number;
  /** Calls `handler` for each (deduplicated) event of that `op`; returns the unsubscribe function. */
  onEvent(op: string, handler: (msg: WireMessage) => void): () => void;
  /** Called once when the client closes for good, with the reason. */
  onClosed(handler: (error: import('./errors.js').SwitchboardError) => void): void;
}
