import type { ClientCore } from './core.js';
import { SwitchboardError } from './errors.js';
import { readPayload, type Payload } from './payload.js';
import type { WireMessage } from './transport.js';

export interface RelayMessage {
  /** The sender's peer id (set by the server). */
  from: string;
  /** Bytes arrive as a Uint8Array. */
  payload: Payload;
  seq: number;
  /** Present when the sender asked for a receipt; the client acknowledges once the handlers ran. */
  ackId?: string;
}

export type ReceiptStatus = 'acknowledged' | 'undelivered';

/** Direct messages between peers (`relay.*`), bytes on WebSocket binary frames. */
export class Relay {
  private readonly handlers = new Set<(message: RelayMessage) => unknown>();
  private readonly receipts = new Map<string, { resolve(status: ReceiptStatus): void; reject(error: SwitchboardError): void }>();
  private lastAckId = 0;

  constructor(private readonly core: ClientCore) {
    core.onEvent('relay.message', (msg) => void this.deliver(msg));
    core.onEvent('relay.receipt', (msg) => {
      const key = receiptKey(String(msg.to), String(msg.ack_id));
      const waiter = this.receipts.get(key);
      if (!waiter) return;
      this.receipts.delete(key);
      waiter.resolve(msg.status === 'acknowledged' ? 'acknowledged' : 'undelivered');
    });
    core.onClosed((error) => {
      for (const waiter of this.receipts.values()) waiter.reject(error);
      this.receipts.clear();
    });
  }

  /** Calls `handler` for each direct message. Returns the unsubscribe function. */
  onMessage(handler: (message: RelayMessage) => unknown): () => void {
    this.handlers.add(handler);
    return () => this.handlers.delete(handler);
  }

  /** Sends to peer `to`; resolves once the server queued it (`peer_not_found` when `to` is offline). */
  async send(to: string, payload: Payload): Promise<void> {
    await this.core.request('relay.send', { to }, payload);
  }

  /**
   * Sends with an `ack_id` and resolves with the receipt: `acknowledged` once the receiver's
   * client handled it, `undelivered` when its session ended first. Reaches an offline peer that
   * resumes within its grace period.
   */
  async sendWithReceipt(to: string, payload: Payload, ackId = `m${++this.lastAckId}.${Date.now().toString(36)}`): Promise<ReceiptStatus> {
    const key = receiptKey(to, ackId);
    const receipt = new Promise<ReceiptStatus>((resolve, reject) => this.receipts.set(key, { resolve, reject }));
    try {
      await this.core.request('relay.send', { to, ack_id: ackId }, payload);
    } catch (err) {
      this.receipts.delete(key);
      throw err;
    }
    return receipt;
  }

  private async deliver(msg: WireMessage): Promise<void> {
    const message: RelayMessage = { from: String(msg.from), payload: readPayload(msg), seq: Number(msg.seq) };
    if (typeof msg.ack_id === 'string') message.ackId = msg.ack_id;
    for (const handler of [...this.handlers]) {
      try {
        await handler(message);
      } catch (err) {
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

function receiptKey(to: string, ackId: string): string {
  return `${to}\u0000${ackId}`;
}

export interface PresenceChange {
  online: string[];
  offline: string[];
  /** True for the changes after a `presence.resync`: the view was rebuilt from scratch. */
  resync: boolean;
}

/** A presence watch: `online` is kept up to date with every event. */
export interface PresenceWatch {
  readonly id: string;
  readonly online: ReadonlySet<string>;
  unwatch(): Promise<void>;
}

/** Who is online (`presence.*`): a list of peer ids or a pattern, then changes as they happen. */
export class Presence {
  private readonly watches = new Map<string, (msg: WireMessage) => void>();
  /** Events of a watch whose subscribe answer has not been read yet (they can come first). */
  private early: WireMessage[] = [];
  private subscribing = 0;

  constructor(private readonly core: ClientCore) {
    const route = (msg: WireMessage) => {
      const handler = this.watches.get(String(msg.watch));
      if (handler) handler(msg);
      else if (this.subscribing > 0 && this.early.length < 1024) this.early.push(msg);
    };
    core.onEvent('presence', route);
    core.onEvent('presence.resync', route);
  }

  /** Watches the given peers (`{peers}`) or every peer id matching `{pattern}`. */
  async watch(target: { peers: string[] } | { pattern: string }, onChange?: (change: PresenceChange) => unknown): Promise<PresenceWatch> {
    this.subscribing++;
    let result: { watch: string; online: string[] };
    try {
      result = await this.core.request('presence.subscribe', 'peers' in target ? { peers: target.peers } : { pattern: target.pattern });
    } finally {
      this.subscribing--;
    }
    const online = new Set(result.online);
    let resyncing = false;
    const handler = (msg: WireMessage) => {
      if (msg.op === 'presence.resync') {
        online.clear();
        resyncing = true;
        return;
      }
      const change: PresenceChange = { online: (msg.online as string[]) ?? [], offline: (msg.offline as string[]) ?? [], resync: resyncing };
      resyncing = false;
      for (const peer of change.offline) online.delete(peer);
      for (const peer of change.online) online.add(peer);
      if (onChange) {
        try {
          onChange(change);
        } catch (err) {
          console.error('switchboard-client: a presence handler threw', err);
        }
      }
    };
    this.watches.set(result.watch, handler);
    const early = this.early.filter((m) => m.watch === result.watch);
    this.early = this.early.filter((m) => m.watch !== result.watch);
    for (const msg of early) handler(msg);
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
