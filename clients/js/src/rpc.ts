import type { ClientCore } from './core.js';
import { SwitchboardError } from './errors.js';
import { readPayload, type Payload } from './payload.js';
import { PatternRegistry, groupField, registerThenSubscribe, unsubscriber, type Registration } from './handlers.js';

export interface CallOptions {
  /** The call's deadline (`timeout_ms`); default: the server's (30 s). */
  timeoutMs?: number;
  /** Safe to run twice: the server retries it once on another member if its backend goes. */
  idempotent?: boolean;
  /** Asks for a stream: each chunk the responder sends before its answer, in order. */
  onChunk?(chunk: { index: number; payload: Payload }): unknown;
}

export interface CallManyReply {
  target: string;
  member: string | null;
  payload?: Payload;
  error?: SwitchboardError;
}

/** What a serving handler is given for each request. */
export interface RpcRequest {
  name: string;
  payload: Payload;
  /** The call's id on the server; absent for a notify. */
  rid?: string;
  /** True for `rpc.notify`: nothing is answered. */
  notify: boolean;
  /** The caller asked for a stream: `chunk()` may send parts before the return value. */
  stream: boolean;
  /** The time the caller still waits, in ms. */
  timeoutMs?: number;
  caller?: { session: string; transport: string };
  /** Sends a chunk of a streamed answer; resolves once the caller's connection wrote it. */
  chunk(payload: Payload): Promise<void>;
}

/**
 * A serving handler: its return value (or promise) is the answer. To answer an application
 * error, throw an error with a `code` matching `[a-z0-9_.-]{1,64}` (a SwitchboardError, or any
 * Error with `code` and optionally `data`); anything else thrown answers `handler_failed`.
 */
export type RpcHandler = (request: RpcRequest) => Payload | undefined | Promise<Payload | undefined>;

export interface Service {
  readonly pattern: string;
  readonly group?: string;
  unserve(): Promise<void>;
}

const APPLICATION_CODE = /^[a-z0-9_.-]{1,64}$/;

/** Request/reply (`rpc.*`): calling, calling many, notifying and serving names. */
export class Rpc {
  private readonly services = new PatternRegistry<RpcHandler>();
  private readonly streams = new Map<number, NonNullable<CallOptions['onChunk']>>();

  constructor(private readonly core: ClientCore) {
    core.onEvent('rpc.chunk', (msg) => {
      const onChunk = this.streams.get(msg.call as number);
      if (!onChunk) return;
      try {
        const result = onChunk({ index: Number(msg.index), payload: readPayload(msg) });
        if (result instanceof Promise) result.catch((err) => console.error('switchboard-client: onChunk failed', err));
      } catch (err) {
        console.error('switchboard-client: onChunk threw', err);
      }
    });
    core.onEvent('rpc.request', (msg) => void this.serveRequest(msg));
  }

  /** Calls whoever serves `name`; resolves with the answer's payload, rejects with its error. */
  async call(name: string, payload?: Payload, options: CallOptions = {}): Promise<Payload> {
    const id = this.core.nextId();
    if (options.onChunk) this.streams.set(id, options.onChunk);
    try {
      const result = await this.core.request(
        'rpc.call',
        {
          name,
          ...(options.timeoutMs !== undefined ? { timeout_ms: options.timeoutMs } : {}),
          ...(options.idempotent ? { idempotent: true } : {}),
          ...(options.onChunk ? { stream: true } : {}),
        },
        payload,
        id,
      );
      return readPayload(result);
    } finally {
      this.streams.delete(id);
    }
  }

  /**
   * Asks every service serving `name` (or each name of a list) and gathers each one's outcome;
   * `complete` is true when every member answered.
   */
  async callMany(
    nameOrTargets: string | string[],
    payload?: Payload,
    options: { timeoutMs?: number; maxReplies?: number } = {},
  ): Promise<{ replies: CallManyReply[]; complete: boolean }> {
    const result = await this.core.request<{ replies: Array<Record<string, unknown>>; complete: boolean }>(
      'rpc.call_many',
      {
        ...(Array.isArray(nameOrTargets) ? { targets: nameOrTargets } : { name: nameOrTargets }),
        ...(options.timeoutMs !== undefined ? { timeout_ms: options.timeoutMs } : {}),
        ...(options.maxReplies !== undefined ? { max_replies: options.maxReplies } : {}),
      },
      payload,
    );
    const replies = result.replies.map((r) => {
      const reply: CallManyReply = { target: String(r.target), member: (r.member as string | null) ?? null };
      if (r.error) reply.error = SwitchboardError.fromWire(r.error);
      else reply.payload = readPayload(r);
      return reply;
    });
    return { replies, complete: result.complete };
  }

  /** Fire-and-forget to one server of `name`; with `ack`, rejects `no_responders` when nothing serves it. */
  async notify(name: string, payload?: Payload, options: { ack?: boolean } = {}): Promise<void> {
    await this.core.request('rpc.notify', { name, ...(options.ack ? { ack: true } : {}) }, payload);
  }

  /** Serves `pattern` (`*` one token, `>` the rest): each matching call or notify runs `handler`. */
  async serve(pattern: string, handler: RpcHandler, options: { group?: string } = {}): Promise<Service> {
    const entry: Registration<RpcHandler> = { pattern, group: options.group, handler };
    const fields = { pattern, ...groupField(options.group) };
    await registerThenSubscribe(this.services, entry, () => this.core.request('rpc.serve', fields));
    return {
      pattern,
      group: options.group,
      unserve: unsubscriber(this.services, entry, () => this.core.request('rpc.unserve', fields)),
    };
  }

  private async serveRequest(msg: Record<string, unknown>): Promise<void> {
    const name = String(msg.name);
    const rid = typeof msg.rid === 'string' ? msg.rid : undefined;
    const notify = msg.notify === true;
    const entry = this.services.first(name);
    const request: RpcRequest = {
      name,
      payload: readPayload(msg),
      notify,
      stream: msg.stream === true,
      chunk: async (payload) => {
        if (!rid) throw new SwitchboardError('invalid_state', 'a notify has no answer to stream');
        await this.core.request('rpc.chunk', { rid }, payload);
      },
    };
    if (rid) request.rid = rid;
    if (typeof msg.timeout_ms === 'number') request.timeoutMs = msg.timeout_ms;
    if (msg.caller) request.caller = msg.caller as RpcRequest['caller'];
    let answer: Record<string, unknown>;
    let answerPayload: Payload | undefined;
    try {
      if (!entry) throw new SwitchboardError('no_responders', `nothing serves ${name} in this client any more`);
      answerPayload = await entry.handler(request);
      answer = { rid };
    } catch (err) {
      answer = { rid, error: applicationError(err) };
      if (notify) console.error(`switchboard-client: the handler of notify ${name} failed`, err);
    }
    if (notify || !rid) return;
    try {
      await this.core.request('rpc.respond', answer, answer.error ? undefined : answerPayload);
    } catch {
      // unknown_request: the caller gave up or its deadline passed; nobody waits for this answer.
    }
  }
}

function applicationError(err: unknown): Record<string, unknown> {
  const e = (err && typeof err === 'object' ? err : {}) as { code?: unknown; message?: unknown; data?: unknown };
  const code = typeof e.code === 'string' && APPLICATION_CODE.test(e.code) ? e.code : 'handler_failed';
  const error: Record<string, unknown> = { code, message: typeof e.message === 'string' ? e.message : String(err) };
  if (e.data !== undefined) error.data = e.data;
  return error;
}
