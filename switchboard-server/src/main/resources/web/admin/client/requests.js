import { SwitchboardError } from './errors.js';
/**
 * The requests awaiting their answer, by `id`. Every request settles exactly once: by its
 * `reply`/`error`, or when its connection or the client goes.
 */
export class PendingRequests {
    byId = new Map();
    get size() {
        return this.byId.size;
    }
    add(request) {
        this.byId.set(request.id, request);
    }
    /** Settles the request a `reply`/`error`/`pong` answers; false when no request has that id. */
    answer(msg) {
        if (typeof msg.id !== 'number')
            return false;
        const request = this.byId.get(msg.id);
        if (!request)
            return false;
        this.byId.delete(msg.id);
        if (msg.op === 'error')
            request.reject(SwitchboardError.fromWire(msg.error));
        else
            request.resolve(msg.op === 'reply' ? (msg.result ?? {}) : msg);
        return true;
    }
    /** Rejects the requests `which` selects (all by default) with `error`. */
    rejectAll(error, which = () => true) {
        for (const request of [...this.byId.values()]) {
            if (!which(request))
                continue;
            this.byId.delete(request.id);
            request.reject(error);
        }
    }
    /** The requests not yet handed to a transport, oldest first. */
    unsent() {
        return [...this.byId.values()].filter((r) => !r.sent);
    }
}
