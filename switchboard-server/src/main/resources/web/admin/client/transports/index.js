import { TransportUnavailable } from '../transport.js';
import { WebSocketTransport } from './websocket.js';
import { sseTransport } from './sse.js';
import { pollTransport } from './poll.js';
export const webSocketTransport = {
    kind: 'ws',
    create(url, context) {
        const impl = context.WebSocket ?? globalThis.WebSocket;
        if (!impl) {
            // No WebSocket here (Node 20 without --experimental-websocket): a transport that is
            // unavailable at once, so the client moves on to the next one.
            return {
                kind: 'ws',
                open: () => Promise.reject(new TransportUnavailable('ws', 'no WebSocket implementation here')),
                send() { },
                close() { },
            };
        }
        return new WebSocketTransport(url, impl, context.connectTimeoutMs);
    },
};
/**
 * The fallback chain, tried in order when a transport is unavailable (throws TransportUnavailable):
 * WebSocket, then the native HTTP API with SSE, then with long-poll.
 */
export const defaultTransports = [webSocketTransport, sseTransport(), pollTransport()];
