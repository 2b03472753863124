import { readPayload } from './payload.js';
/** Direct messages between peers (`relay.*`), bytes on WebSocket binary frames. */
export class Relay {
    core;
    handlers = new Set();
    receipts = new Map();
    lastAckId = 0;
    constructor(core) {
        this.core = core;
        core.onEvent('relay.message', (msg) => void this.deliver(msg));
        core.onEvent('relay.receipt', (msg) => {
            const key = receiptKey(String(msg.to), String(msg.ack_id));
            const waiter = this.receipts.get(key);
            if (!waiter)
                return;
            this.receipts.delete(key);
            waiter.resolve(msg.status === 'acknowledged' ? 'acknowledged' : 'undelivered');
        });
        core.onClosed((error) => {
            for (const waiter of this.receipts.values())
                waiter.reject(error);
            this.receipts.clear();
        });
    }
    /** Calls `handler` for each direct message. Returns the unsubscribe function. */
    onMessage(handler) {
        this.handlers.add(handler);
        return () => this.handlers.delete(handler);
    }
    /** Sends to peer `to`; resolves once the server queued it (`peer_not_found` when `to` is offline). */
    async send(to, payload) {
        await this.core.request('relay.send', { to }, payload);
    }
    /**
     * Sends with an `ack_id` and resolves with the receipt: `acknowledged` once the receiver's
     * client handled it, `undelivered` when its session ended first. Reaches an offline peer that
     * resumes within its grace period.
     */
    async sendWithReceipt(to, payload, ackId = `m${++this.lastAckId}.${Date.now().toString(36)}`) {
        const key = receiptKey(to, ackId);
        const receipt = new Promise((resolve, reject) => this.receipts.set(key, { resolve, reject }));
        try {
            await this.core.request('relay.send', { to, ack_id: ackId }, payload);
        }
        catch (err) {
            this.receipts.delete(key);
            throw err;
        }
        return receipt;
    }
    async deliver(msg) {
        const message = { from: String(msg.from), payload: readPayload(msg), seq: Number(msg.seq) };
        if (typeof msg.ack_id === 'string')
            message.ackId = msg.ack_id;
        for (const handler of [...this.handlers]) {
            try {
                await handler(message);
            }
            catch (err) {
                console.error('switchboard-client: a relay handler failed', err);
            }
        }
        if (message.ackId !== undefined) {
            this.core.request('relay.ack', { from: message.from, ack_id: message.ackId }).catch(() => {
                // The session went meanwhile: the sender gets `undelivered`.
            });
        }
    }
}
function receiptKey(to, ackId) {
    return `${to}\u0000${ackId}`;
}
/** Who is online (`presence.*`): a list of peer ids or a pattern, then changes as they happen. */
export class Presence {
    core;
    watches = new Map();
    /** Events of a watch whose subscribe answer has not been read yet (they can come first). */
    early = [];
    subscribing = 0;
    constructor(core) {
        this.core = core;
        const route = (msg) => {
            const handler = this.watches.get(String(msg.watch));
            if (handler)
                handler(msg);
            else if (this.subscribing > 0 && this.early.length < 1024)
                this.early.push(msg);
        };
        core.onEvent('presence', route);
        core.onEvent('presence.resync', route);
    }
    /** Watches the given peers (`{peers}`) or every peer id matching `{pattern}`. */
    async watch(target, onChange) {
        this.subscribing++;
        let result;
        try {
            result = await this.core.request('presence.subscribe', 'peers' in target ? { peers: target.peers } : { pattern: target.pattern });
        }
        finally {
            this.subscribing--;
        }
        const online = new Set(result.online);
        let resyncing = false;
        const handler = (msg) => {
            if (msg.op === 'presence.resync') {
                online.clear();
                resyncing = true;
                return;
            }
            const change = { online: msg.online ?? [], offline: msg.offline ?? [], resync: resyncing };
            resyncing = false;
            for (const peer of change.offline)
                online.delete(peer);
            for (const peer of change.online)
                online.add(peer);
            if (onChange) {
                try {
                    onChange(change);
                }
                catch (err) {
                    console.error('switchboard-client: a presence handler threw', err);
                }
            }
        };
        this.watches.set(result.watch, handler);
        const early = this.early.filter((m) => m.watch === result.watch);
        this.early = this.early.filter((m) => m.watch !== result.watch);
        for (const msg of early)
            handler(msg);
        return {
            id: result.watch,
            online,
            unwatch: async () => {
                this.watches.delete(result.watch);
                await this.core.request('presence.unsubscribe', { watch: result.watch });
            },
        };
    }
}
