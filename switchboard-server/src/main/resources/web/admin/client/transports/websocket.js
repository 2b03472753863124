import { TransportUnavailable, } from '../transport.js';
import { SwitchboardError } from '../errors.js';
const OPEN = 1;
/**
 * The WebSocket endpoint of a server URL: `http(s)://host:port[/]` becomes
 * `ws(s)://host:port/api/v1/ws`; a `ws(s)://` URL is used as given.
 */
export function webSocketUrl(url) {
    const u = new URL(url);
    if (u.protocol === 'ws:' || u.protocol === 'wss:')
        return u.toString();
    u.protocol = u.protocol === 'https:' ? 'wss:' : 'ws:';
    if (u.pathname === '' || u.pathname === '/')
        u.pathname = '/api/v1/ws';
    return u.toString();
}
/**
 * The native protocol over WebSocket (docs/protocol.md, "Transports"): one JSON object per text
 * frame, binary frames for binary envelopes and compact relay frames. The server's Ping frames
 * are answered by the WebSocket implementation itself.
 */
export class WebSocketTransport {
    url;
    WebSocketImpl;
    openTimeoutMs;
    kind = 'ws';
    socket;
    handlers;
    closedByUs = false;
    ended = false;
    /** The last error the server sent without an `id`: the reason of the close that follows it. */
    lastEventError;
    /** Settles a pending open() when close() comes first, so that open() always settles. */
    abandonOpen;
    constructor(url, WebSocketImpl, 
    /** How long the upgrade and the handshake may take before this transport gives up. */
    openTimeoutMs = 10_000) {
        this.url = url;
        this.WebSocketImpl = WebSocketImpl;
        this.openTimeoutMs = openTimeoutMs;
    }
    open(hello, handlers) {
        this.handlers = handlers;
        return new Promise((resolve, reject) => {
            let welcomed = false;
            let opened = false;
            let socket;
            // Some implementations (Node's) never fire 'close' for a connection dropped during the
            // upgrade, so the handshake has a deadline of its own.
            const deadline = setTimeout(() => fail(`no welcome within ${this.openTimeoutMs} ms`), this.openTimeoutMs);
            this.abandonOpen = () => {
                clearTimeout(deadline);
                if (!welcomed)
                    reject(new SwitchboardError('disconnected', 'the WebSocket was closed before the welcome'));
            };
            const fail = (detail) => {
                clearTimeout(deadline);
                if (welcomed || this.ended)
                    return;
                this.ended = true;
                try {
                    socket?.close();
                }
                catch {
                    // not open yet
                }
                // A socket that never opened: a proxy refusing the upgrade, or nothing listening. Either
                // way this transport cannot be used now; the client tries the next one, then retries.
                reject(opened ? new SwitchboardError('disconnected', `the WebSocket ${detail}`) : new TransportUnavailable('ws', `the WebSocket ${detail}`));
            };
            try {
                socket = new this.WebSocketImpl(webSocketUrl(this.url));
            }
            catch (err) {
                fail(`could not be created: ${String(err)}`);
                return;
            }
            this.socket = socket;
            socket.binaryType = 'arraybuffer';
            socket.addEventListener('open', () => {
                opened = true;
                // Binary envelopes and compact relay frames: byte payloads travel without base64.
                socket.send(JSON.stringify({ op: 'hello', id: 'hello', ...hello, binary: true, relay_frames: true }));
            });
            socket.addEventListener('message', (event) => {
                if (typeof event.data !== 'string') {
                    if (welcomed)
                        handlers.binary(new Uint8Array(event.data));
                    return;
                }
                let msg;
                try {
                    msg = JSON.parse(event.data);
                }
                catch {
                    return; // the server only sends JSON objects; ignore anything else
                }
                if (!welcomed) {
                    if (msg.op === 'welcome') {
                        welcomed = true;
                        clearTimeout(deadline);
                        resolve(msg);
                    }
                    else if (msg.op === 'error') {
                        clearTimeout(deadline);
                        this.ended = true;
                        reject(SwitchboardError.fromWire(msg.error));
                        socket.close(1000);
                    }
                    return;
                }
                if (msg.op === 'error' && msg.id === undefined) {
                    this.lastEventError = msg.error;
                }
                handlers.message(msg);
            });
            socket.addEventListener('close', (event) => {
                if (!welcomed)
                    fail(`closed before the welcome (${event.code ?? 'no code'})`);
                else
                    this.finish(event.code, event.reason);
            });
            socket.addEventListener('error', () => {
                // Usually followed by 'close', but not always (Node's WebSocket): settle here as well.
                if (!welcomed)
                    fail('failed before the welcome');
                else
                    this.finish(1006, '');
            });
        });
    }
    finish(code, reason) {
        if (this.ended)
            return;
        this.ended = true;
        if (this.closedByUs)
            return;
        let error = this.lastEventError;
        if (!error && reason && code !== undefined && code !== 1000 && code !== 1005 && code !== 1006) {
            error = { code: reason, message: `closed by the server (${code} ${reason})` };
        }
        this.handlers?.closed(error ? { error, detail: `WebSocket close ${code}` } : { detail: `WebSocket close ${code}` });
    }
    send(request) {
        const socket = this.socket;
        if (!socket || socket.readyState !== OPEN || this.ended) {
            this.answerDisconnected(request);
            return;
        }
        try {
            socket.send(JSON.stringify(request));
        }
        catch {
            this.answerDisconnected(request);
        }
    }
    sendBinary(frame) {
        const socket = this.socket;
        if (socket && socket.readyState === OPEN && !this.ended)
            socket.send(frame);
    }
    answerDisconnected(request) {
        if (request.id === undefined)
            return;
        const handlers = this.handlers;
        queueMicrotask(() => handlers?.message({ op: 'error', id: request.id, error: { code: 'disconnected', message: 'the WebSocket is closed' } }));
    }
    close() {
        this.closedByUs = true;
        this.ended = true;
        this.abandonOpen?.();
        try {
            this.socket?.close(1000);
        }
        catch {
            // already closed
        }
    }
}
