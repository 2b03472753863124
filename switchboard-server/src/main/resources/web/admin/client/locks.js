import { SwitchboardError } from './errors.js';
/**
 * A held lock or semaphore slot. `token` is the fencing token: pass it (or `fence`) to the
 * resource you protect, which must refuse tokens older than the newest it saw.
 */
export class Lock {
    owner;
    kind;
    key;
    token;
    leaseMs;
    options;
    /** The fence counter: the token's first 16 hex digits, growing with every grant. */
    fence;
    /** How many times the lease was renewed (by `renew()` or in the background). */
    renewals = 0;
    lostReason;
    released = false;
    renewTimer;
    lostListeners = new Set();
    constructor(owner, kind, key, token, leaseMs, options) {
        this.owner = owner;
        this.kind = kind;
        this.key = key;
        this.token = token;
        this.leaseMs = leaseMs;
        this.options = options;
        this.fence = BigInt('0x' + token.slice(0, 16));
        this.scheduleRenewal();
    }
    /** True while the lock is neither released nor lost. */
    get held() {
        return !this.released && this.lostReason === undefined;
    }
    /** Why the lock was lost, if it was. */
    get lost() {
        return this.lostReason;
    }
    /** Calls `listener` when the lock is lost (at once if it is already). Returns the unsubscribe function. */
    onLost(listener) {
        if (this.lostReason !== undefined) {
            listener({ kind: this.kind, key: this.key, token: this.token, reason: this.lostReason });
            return () => { };
        }
        this.lostListeners.add(listener);
        return () => this.lostListeners.delete(listener);
    }
    /** Renews the lease now (`leaseMs` defaults to the lease of the grant). */
    async renew(leaseMs = this.leaseMs) {
        try {
            const result = await this.owner.core.request(`${this.kind}.renew`, {
                key: this.key,
                token: this.token,
                lease_ms: leaseMs,
            });
            this.leaseMs = result.lease_ms;
            this.renewals++;
            this.scheduleRenewal();
            return result.lease_ms;
        }
        catch (err) {
            if (err instanceof SwitchboardError && (err.code === 'not_held' || err.code === 'lease_expired')) {
                this.markLost(err.code);
            }
            throw err;
        }
    }
    /** Releases the lock (a lock already lost or released resolves at once). */
    async release() {
        if (!this.held)
            return;
        this.released = true;
        this.stopRenewing();
        this.owner.forget(this);
        try {
            await this.owner.core.request(`${this.kind}.release`, { key: this.key, token: this.token });
        }
        catch (err) {
            // The lease ran out just before: it is not held any more, which is what release wanted.
            if (!(err instanceof SwitchboardError && err.code === 'not_held'))
                throw err;
        }
    }
    scheduleRenewal() {
        this.stopRenewing();
        if (this.options.autoRenew === false || !this.held)
            return;
        const delay = Math.max(10, this.leaseMs * (this.options.renewFraction ?? 1 / 3));
        this.renewTimer = setTimeout(() => {
            this.renewTimer = undefined;
            this.renew().catch((err) => {
                // Lost (not_held / lease_expired) is already reported; a dropped connection is retried
                // soon, the renewal waiting for the resume.
                if (this.held && err instanceof SwitchboardError && err.code === 'disconnected') {
                    this.renewTimer = setTimeout(() => this.scheduleRenewal(), Math.min(1000, this.leaseMs / 10));
                }
            });
        }, delay);
    }
    stopRenewing() {
        if (this.renewTimer)
            clearTimeout(this.renewTimer);
        this.renewTimer = undefined;
    }
    /** @internal the server (or the client) says the lock is gone. */
    markLost(reason) {
        if (!this.held)
            return;
        this.lostReason = reason;
        this.stopRenewing();
        this.owner.forget(this);
        const event = { kind: this.kind, key: this.key, token: this.token, reason };
        for (const listener of [...this.lostListeners]) {
            try {
                listener(event);
            }
            catch (err) {
                console.error('switchboard-client: an onLost listener threw', err);
            }
        }
    }
}
/** What locks and semaphores share: the operations differ only by prefix and `limit`. */
export class LockQueue {
    core;
    kind;
    held = new Map();
    constructor(core, kind) {
        this.core = core;
        this.kind = kind;
        core.onEvent('lock.lost', (msg) => {
            if (msg.kind !== kind)
                return;
            const token = typeof msg.token === 'string' ? msg.token : undefined;
            for (const lock of [...this.held.values()]) {
                if (lock.key === msg.key && (token === undefined || lock.token === token))
                    lock.markLost(String(msg.reason ?? 'lease_expired'));
            }
        });
        core.onClosed((error) => {
            for (const lock of [...this.held.values()])
                lock.markLost(error.code);
        });
    }
    /** @internal */
    forget(lock) {
        this.held.delete(lock.token);
    }
    grant(key, result, options) {
        const lock = new Lock(this, this.kind, key, result.token, result.lease_ms, options);
        this.held.set(lock.token, lock);
        return lock;
    }
    async acquireOp(key, limit, options) {
        const result = await this.core.request(`${this.kind}.acquire`, {
            key,
            ...limitField(limit),
            timeout_ms: options.timeoutMs ?? 0,
            ...leaseField(options),
        });
        return result.status === 'acquired' ? this.grant(key, result, options) : undefined;
    }
    async enqueueOp(key, limit, options) {
        const result = await this.core.request(`${this.kind}.enqueue`, {
            key,
            ...limitField(limit),
            ...leaseField(options),
        });
        const now = result.status === 'acquired' ? this.grant(key, result, options) : undefined;
        return {
            lock: now,
            wait: async (timeoutMs = options.timeoutMs ?? 0) => {
                if (now)
                    return now;
                const waited = await this.core.request(`${this.kind}.wait`, { key, timeout_ms: timeoutMs });
                if (waited.status !== 'acquired')
                    throw new SwitchboardError('timeout', `${this.kind} ${key} was not granted within ${timeoutMs} ms`);
                return this.grant(key, waited, options);
            },
            cancel: async () => {
                if (now)
                    return now.release();
                await this.core.request(`${this.kind}.cancel`, { key });
            },
        };
    }
    /** Ends this session's pending acquire or wait on `key` (they reject with `cancelled`). */
    async cancel(key) {
        const result = await this.core.request(`${this.kind}.cancel`, { key });
        return result.cancelled;
    }
}
/** Locks (`lock.*`): at most one holder per key. */
export class Locks extends LockQueue {
    constructor(core) {
        super(core, 'lock');
    }
    /** Waits up to `timeoutMs` for the lock; rejects with code `timeout` when it is not granted. */
    async acquire(key, options = {}) {
        return orTimeout(await this.acquireOp(key, undefined, options), 'lock', key, options);
    }
    /** Takes the lock if it is free now; undefined otherwise. */
    tryAcquire(key, options = {}) {
        return this.acquireOp(key, undefined, { ...options, timeoutMs: 0 });
    }
    /** Two-phase acquire: joins the queue now, `wait()` later. */
    enqueue(key, options = {}) {
        return this.enqueueOp(key, undefined, options);
    }
}
/** Semaphores (`sem.*`): up to `limit` holders per key (every request on a key gives the same limit). */
export class Semaphores extends LockQueue {
    constructor(core) {
        super(core, 'sem');
    }
    async acquire(key, limit, options = {}) {
        return orTimeout(await this.acquireOp(key, limit, options), 'sem', key, options);
    }
    tryAcquire(key, limit, options = {}) {
        return this.acquireOp(key, limit, { ...options, timeoutMs: 0 });
    }
    enqueue(key, limit, options = {}) {
        return this.enqueueOp(key, limit, options);
    }
}
function orTimeout(lock, kind, key, options) {
    if (!lock)
        throw new SwitchboardError('timeout', `${kind} ${key} was not granted within ${options.timeoutMs ?? 0} ms`);
    return lock;
}
function limitField(limit) {
    return limit === undefined ? {} : { limit };
}
function leaseField(options) {
    return options.leaseMs === undefined ? {} : { lease_ms: options.leaseMs };
}
