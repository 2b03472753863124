import type { WireMessage } from './transport.js';
import { SwitchboardError } from './errors.js';
import type { Payload } from './payload.js';

export interface PendingRequest {
  id: number;
  op: string;
  fields: Record<string, unknown>;
  payload?: Payload;
  /** True once handed to a transport: its answer can only come from that connection. */
  sent: boolean;
  resolve(result: unknown): void;
  reject(error: SwitchboardError): void;
}

/**
 * The requests awaiting their answer, by `id`. Every request settles exactly once: by its
 * `reply`/`error`, or when its connection or the client goes.
 */
export class PendingRequests {
  private readonly byId = new Map<number, PendingRequest>();

  get size(): number {
    return this.byId.size;
  }

  add(request: PendingRequest): void {
    this.byId.set(request.id, request);
  }

  /** Settles the request a `reply`/`error`/`pong` answers; false when no request has that id. */
  answer(msg: WireMessage): boolean {
    if (typeof msg.id !== 'number') return false;
    const request = this.byId.get(msg.id);
    if (!request) return false;
    this.byId.delete(msg.id);
    if (msg.op === 'error') request.reject(SwitchboardError.fromWire(msg.error));
    else request.resolve(msg.op === 'reply' ? (msg.result ?? {}) : msg);
    return true;
  }

  /** Rejects the requests `which` selects (all by default) with `error`. */
  rejectAll(error: SwitchboardError, which: (request: PendingRequest) => boolean = () => true): void {
    for (const request of [...this.byId.values()]) {
      if (!which(request)) continue;
      this.byId.delete(request.id);
      request.reject(error);
    }
  }

  /** The requests not yet handed to a transport, oldest first. */
  unsent(): PendingRequest[] {
    return [...this.byId.values()].filter((r) => !r.sent);
  }
}
