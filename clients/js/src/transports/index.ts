import { TransportUnavailable, type Transport, type TransportKind } from '../transport.js';
import { WebSocketTransport, type WebSocketConstructor } from './websocket.js';
import { sseTransport } from './sse.js';
import { pollTransport } from './poll.js';

/** What a factory is given to build its transport. */
export interface TransportContext {
  /** The WebSocket constructor from the client's options, else globalThis.WebSocket. */
  WebSocket?: WebSocketConstructor;
  /** fetch, for the HTTP transports. */
  fetch?: typeof fetch;
  /** How long opening a connection (up to the welcome) may take. */
  connectTimeoutMs?: number;
}

/** Builds one transport to the server at `url` (the server's base URL, e.g. http://host:6388). */
export interface TransportFactory {
  readonly kind: TransportKind;
  create(url: string, context: TransportContext): Transport;
}

export const webSocketTransport: TransportFactory = {
  kind: 'ws',
  create(url, context) {
    const impl = context.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
    if (!impl) {
      // No WebSocket here (Node 20 without --experimental-websocket): a transport that is
      // unavailable at once, so the client moves on to the next one.
      return {
        kind: 'ws',
        open: () => Promise.reject(new TransportUnavailable('ws', 'no WebSocket implementation here')),
        send() {},
        close() {},
      } satisfies Transport;
    }
    return new WebSocketTransport(url, impl, context.connectTimeoutMs);
  },
};

/**
 * The fallback chain, tried in order when a transport is unavailable (throws TransportUnavailable):
 * WebSocket, then the native HTTP API with SSE, then with long-poll.
 */
export const defaultTransports: readonly TransportFactory[] = [webSocketTransport, sseTransport(), pollTransport()];
