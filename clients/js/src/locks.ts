import type { ClientCore } from './core.js';
import { SwitchboardError } from './errors.js';

export type LockKind = 'lock' | 'sem';

/** The `lock.lost` event (docs/protocol.md, "Locks and semaphores"), or a loss the client saw itself. */
export interface LockLostEvent {
  kind: LockKind;
  key: string;
  /** Absent after a server restart (`server_restart`): every slot on the key is gone. */
  token?: string;
  /** `lease_expired`, `server_restart`, or the code that ended the session or failed a renewal. */
  reason: string;
}

export interface LockOptions {
  /** How long to wait for the grant (`timeout_ms`); 0 = try once. */
  timeoutMs?: number;
  /** The lease asked for; default: the server's `--default-lease-ttl`. */
  leaseMs?: number;
  /** Renew the lease in the background (default true). */
  autoRenew?: boolean;
  /** Renew when this fraction of the lease has run (default 1/3, so two renewals can fail in a row). */
  renewFraction?: number;
}

interface Grant {
  status: 'acquired';
  token: string;
  lease_ms: number;
}

/**
 * A held lock or semaphore slot. `token` is the fencing token: pass it (or `fence`) to the
 * resource you protect, which must refuse tokens older than the newest it saw.
 */
export class Lock {
  /** The fence counter: the token's first 16 hex digits, growing with every grant. */
  readonly fence: bigint;
  /** How many times the lease was renewed (by `renew()` or in the background). */
  renewals = 0;
  private lostReason?: string;
  private released = false;
  private renewTimer?: ReturnType<typeof setTimeout>;
  private readonly lostListeners = new Set<(event: LockLostEvent) => void>();

  constructor(
    private readonly owner: LockQueue,
    readonly kind: LockKind,
    readonly key: string,
    readonly token: string,
    public leaseMs: number,
    private readonly options: LockOptions,
  ) {
    this.fence = BigInt('0x' + token.slice(0, 16));
    this.scheduleRenewal();
  }

  /** True while the lock is neither released nor lost. */
  get held(): boolean {
    return !this.released && this.lostReason === undefined;
  }
  /** Why the lock was lost, if it was. */
  get lost(): string | undefined {
    return this.lostReason;
  }

  /** Calls `listener` when the lock is lost (at once if it is already). Returns the unsubscribe function. */
  onLost(listener: (event: LockLostEvent) => void): () => void {
    if (this.lostReason !== undefined) {
      listener({ kind: this.kind, key: this.key, token: this.token, reason: this.lostReason });
      return () => {};
    }
    this.lostListeners.add(listener);
    return () => this.lostListeners.delete(listener);
  }

  /** Renews the lease now (`leaseMs` defaults to the lease of the grant). */
  async renew(leaseMs = this.leaseMs): Promise<number> {
    try {
      const result = await this.owner.core.request<{ lease_ms: number }>(`${this.kind}.renew`, {
        key: this.key,
        token: this.token,
        lease_ms: leaseMs,
      });
      this.leaseMs = result.lease_ms;
      this.renewals++;
      this.scheduleRenewal();
      return result.lease_ms;
    } catch (err) {
      if (err instanceof SwitchboardError && (err.code === 'not_held' || err.code === 'lease_expired')) {
        this.markLost(err.code);
      }
      throw err;
    }
  }

  /** Releases the lock (a lock already lost or released resolves at once). */
  async release(): Promise<void> {
    if (!this.held) return;
    this.released = true;
    this.stopRenewing();
    this.owner.forget(this);
    try {
      await this.owner.core.request(`${this.kind}.release`, { key: this.key, token: this.token });
    } catch (err) {
      // The lease ran out just before: it is not held any more, which is what release wanted.
      if (!(err instanceof SwitchboardError && err.code === 'not_held')) throw err;
    }
  }

  private scheduleRenewal(): void {
    this.stopRenewing();
    if (this.options.autoRenew === false || !this.held) return;
    const delay = Math.max(10, this.leaseMs * (this.options.renewFraction ?? 1 / 3));
    this.renewTimer = setTimeout(() => {
      this.renewTimer = undefined;
      this.renew().catch((err: unknown) => {
        // Lost (not_held / lease_expired) is already reported; a dropped connection is retried
        // soon, the renewal waiting for the resume.
        if (this.held && err instanceof SwitchboardError && err.code === 'disconnected') {
          this.renewTimer = setTimeout(() => this.scheduleRenewal(), Math.min(1000, this.leaseMs / 10));
        }
      });
    }, delay);
  }

  private stopRenewing(): void {
    if (this.renewTimer) clearTimeout(this.renewTimer);
    this.renewTimer = undefined;
  }

  /** @internal the server (or the client) says the lock is gone. */
  markLost(reason: string): void {
    if (!this.held) return;
    this.lostReason = reason;
    this.stopRenewing();
    this.owner.forget(this);
    const event: LockLostEvent = { kind: this.kind, key: this.key, token: this.token, reason };
    for (const listener of [...this.lostListeners]) {
      try {
        listener(event);
      } catch (err) {
        console.error('switchboard-client: an onLost listener threw', err);
      }
    }
  }
}

/** A place taken with `enqueue`: the lock if it was granted at once, else `wait()` for it. */
export interface Enqueued {
  /** The lock when the enqueue was granted at once, else undefined. */
  readonly lock?: Lock;
  /** Waits for the grant (at once when already granted); rejects `timeout` when it does not come. */
  wait(timeoutMs?: number): Promise<Lock>;
  /** Leaves the queue (ends a pending wait with `cancelled`). */
  cancel(): Promise<void>;
}

/** What locks and semaphores share: the operations differ only by prefix and `limit`. */
export class LockQueue {
  private readonly held = new Map<string, Lock>();

  constructor(
    readonly core: ClientCore,
    private readonly kind: LockKind,
  ) {
    core.onEvent('lock.lost', (msg) => {
      if (msg.kind !== kind) return;
      const token = typeof msg.token === 'string' ? msg.token : undefined;
      for (const lock of [...this.held.values()]) {
        if (lock.key === msg.key && (token === undefined || lock.token === token)) lock.markLost(String(msg.reason ?? 'lease_expired'));
      }
    });
    core.onClosed((error) => {
      for (const lock of [...this.held.values()]) lock.markLost(error.code);
    });
  }

  /** @internal */
  forget(lock: Lock): void {
    this.held.delete(lock.token);
  }

  private grant(key: string, result: Grant, options: LockOptions): Lock {
    const lock = new Lock(this, this.kind, key, result.token, result.lease_ms, options);
    this.held.set(lock.token, lock);
    return lock;
  }

  protected async acquireOp(key: string, limit: number | undefined, options: LockOptions): Promise<Lock | undefined> {
    const result = await this.core.request<Grant | { status: 'timeout' }>(`${this.kind}.acquire`, {
      key,
      ...limitField(limit),
      timeout_ms: options.timeoutMs ?? 0,
      ...leaseField(options),
    });
    return result.status === 'acquired' ? this.grant(key, result, options) : undefined;
  }

  protected async enqueueOp(key: string, limit: number | undefined, options: LockOptions): Promise<Enqueued> {
    const result = await this.core.request<Grant | { status: 'queued' }>(`${this.kind}.enqueue`, {
      key,
      ...limitField(limit),
      ...leaseField(options),
    });
    const now = result.status === 'acquired' ? this.grant(key, result, options) : undefined;
    return {
      lock: now,
      wait: async (timeoutMs = options.timeoutMs ?? 0) => {
        if (now) return now;
        const waited = await this.core.request<Grant | { status: 'timeout' }>(`${this.kind}.wait`, { key, timeout_ms: timeoutMs });
        if (waited.status !== 'acquired') throw new SwitchboardError('timeout', `${this.kind} ${key} was not granted within ${timeoutMs} ms`);
        return this.grant(key, waited, options);
      },
      cancel: async () => {
        if (now) return now.release();
        await this.core.request(`${this.kind}.cancel`, { key });
      },
    };
  }

  /** Ends this session's pending acquire or wait on `key` (they reject with `cancelled`). */
  async cancel(key: string): Promise<number> {
    const result = await this.core.request<{ cancelled: number }>(`${this.kind}.cancel`, { key });
    return result.cancelled;
  }
}

/** Locks (`lock.*`): at most one holder per key. */
export class Locks extends LockQueue {
  constructor(core: ClientCore) {
    super(core, 'lock');
  }
  /** Waits up to `timeoutMs` for the lock; rejects with code `timeout` when it is not granted. */
  async acquire(key: string, options: LockOptions = {}): Promise<Lock> {
    return orTimeout(await this.acquireOp(key, undefined, options), 'lock', key, options);
  }
  /** Takes the lock if it is free now; undefined otherwise. */
  tryAcquire(key: string, options: Omit<LockOptions, 'timeoutMs'> = {}): Promise<Lock | undefined> {
    return this.acquireOp(key, undefined, { ...options, timeoutMs: 0 });
  }
  /** Two-phase acquire: joins the queue now, `wait()` later. */
  enqueue(key: string, options: LockOptions = {}): Promise<Enqueued> {
    return this.enqueueOp(key, undefined, options);
  }
}

/** Semaphores (`sem.*`): up to `limit` holders per key (every request on a key gives the same limit). */
export class Semaphores extends LockQueue {
  constructor(core: ClientCore) {
    super(core, 'sem');
  }
  async acquire(key: string, limit: number, options: LockOptions = {}): Promise<Lock> {
    return orTimeout(await this.acquireOp(key, limit, options), 'sem', key, options);
  }
  tryAcquire(key: string, limit: number, options: Omit<LockOptions, 'timeoutMs'> = {}): Promise<Lock | undefined> {
    return this.acquireOp(key, limit, { ...options, timeoutMs: 0 });
  }
  enqueue(key: string, limit: number, options: LockOptions = {}): Promise<Enqueued> {
    return this.enqueueOp(key, limit, options);
  }
}

function orTimeout(lock: Lock | undefined, kind: LockKind, key: string, options: LockOptions): Lock {
  if (!lock) throw new SwitchboardError('timeout', `${kind} ${key} was not granted within ${options.timeoutMs ?? 0} ms`);
  return lock;
}

function limitField(limit: number | undefined): Record<string, unknown> {
  return limit === undefined ? {} : { limit };
}

function leaseField(options: LockOptions): Record<string, unknown> {
  return options.leaseMs === undefined ? {} : { lease_ms: options.leaseMs };
}
