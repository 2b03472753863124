import type { ClientCore } from './core.js';
import { readPayload, type Payload } from './payload.js';
import { PatternRegistry, invoke, groupField, registerThenSubscribe, unsubscriber, type Registration } from './handlers.js';

/** A subscription; `unsubscribe()` removes the handler, and the server subscription with the last one. */
export interface Subscription {
  readonly pattern: string;
  readonly group?: string;
  unsubscribe(): Promise<void>;
}

export interface SignalEvent {
  channel: string;
  payload: Payload;
  seq: number;
}

/** Signals (`signal.*`): fire-and-forget on NATS-style channels, shared with dflockd clients. */
export class Signals {
  private readonly registry = new PatternRegistry<(signal: SignalEvent) => unknown>();

  constructor(private readonly core: ClientCore) {
    core.onEvent('signal', (msg) => {
      const signal: SignalEvent = { channel: String(msg.channel), payload: readPayload(msg), seq: Number(msg.seq) };
      for (const handler of this.registry.matching(signal.channel)) invoke(handler, signal);
    });
  }

  /** Listens on `pattern` (`*` one token, `>` the rest); with `group`, one member of the group gets each signal. */
  async listen(pattern: string, handler: (signal: SignalEvent) => unknown, options: { group?: string } = {}): Promise<Subscription> {
    const entry: Registration<typeof handler> = { pattern, group: options.group, handler };
    const fields = { pattern, ...groupField(options.group) };
    await registerThenSubscribe(this.registry, entry, () => this.core.request('signal.listen', fields));
    return {
      pattern,
      group: options.group,
      unsubscribe: unsubscriber(this.registry, entry, () => this.core.request('signal.unlisten', fields)),
    };
  }

  /** Publishes a text signal; resolves with how many listeners it was delivered to. */
  async publish(channel: string, payload: string): Promise<number> {
    const result = await this.core.request<{ delivered: number }>('signal.publish', { channel }, payload);
    return result.delivered;
  }
}

export interface TopicMessage {
  topic: string;
  payload: Payload;
  /** The topic's offset (0 when the topic keeps no history). */
  offset: number;
  epoch?: string;
  seq: number;
}

/** A position in a topic's history: what `since` takes. */
export interface TopicPosition {
  offset: number;
  epoch: string;
}

export interface TopicSubscription extends Subscription {
  /** True when every message after `since` was in the history (always true without `since`). */
  readonly recovered: boolean;
  readonly epoch: string;
  readonly offset: number;
  /** With `recovered` false: the first offset the history still had. */
  readonly firstOffset?: number;
}

export interface PublishResult {
  delivered: number;
  offset: number;
  epoch?: string;
}

export interface HistoryResult {
  messages: Array<{ offset: number; payload: Payload }>;
  recovered: boolean;
  epoch: string;
  offset: number;
}

export interface TopicPresenceWatch {
  /** The topic's subscription count when the watch started. */
  readonly count: number;
  unwatch(): Promise<void>;
}

export interface TopicPresenceHandlers {
  onJoin?(event: { topic: string; peer: string }): unknown;
  onLeave?(event: { topic: string; peer: string }): unknown;
  /** Events were dropped; `count` is the topic's count now. */
  onResync?(event: { topic: string; count: number }): unknown;
}

/** Publish/subscribe topics (`topic.*`): wildcards, queue groups, history and offsets, presence. */
export class Topics {
  private readonly registry = new PatternRegistry<(message: TopicMessage) => unknown>();
  private readonly presenceWatches = new Map<string, TopicPresenceHandlers>();

  constructor(private readonly core: ClientCore) {
    core.onEvent('message', (msg) => {
      const message: TopicMessage = {
        topic: String(msg.topic),
        payload: readPayload(msg),
        offset: Number(msg.offset ?? 0),
        seq: Number(msg.seq),
      };
      if (typeof msg.epoch === 'string') message.epoch = msg.epoch;
      for (const handler of this.registry.matching(message.topic)) invoke(handler, message);
    });
    const presence = (kind: 'onJoin' | 'onLeave') => (msg: Record<string, unknown>) => {
      const handler = this.presenceWatches.get(String(msg.topic))?.[kind];
      if (handler) invoke(handler.bind(undefined), { topic: String(msg.topic), peer: String(msg.peer) });
    };
    core.onEvent('topic.join', presence('onJoin'));
    core.onEvent('topic.leave', presence('onLeave'));
    core.onEvent('topic.presence.resync', (msg) => {
      const handler = this.presenceWatches.get(String(msg.topic))?.onResync;
      if (handler) invoke(handler.bind(undefined), { topic: String(msg.topic), count: Number(msg.count) });
    });
  }

  /**
   * Subscribes to `pattern`. With `since` (a literal topic with history), the messages after that
   * position arrive first, oldest first, each once; the answer says whether that was all of them.
   */
  async subscribe(
    pattern: string,
    handler: (message: TopicMessage) => unknown,
    options: { group?: string; since?: TopicPosition } = {},
  ): Promise<TopicSubscription> {
    const entry: Registration<typeof handler> = { pattern, group: options.group, handler };
    const fields = { pattern, ...groupField(options.group) };
    // The backlog of `since` may come before the answer: registerThenSubscribe is ready for it.
    const result = await registerThenSubscribe(this.registry, entry, () =>
      this.core.request<{ recovered: boolean; epoch: string; offset: number; first_offset?: number }>('topic.subscribe', {
        ...fields,
        ...(options.since ? { since: options.since } : {}),
      }),
    );
    return {
      pattern,
      group: options.group,
      recovered: result.recovered,
      epoch: result.epoch,
      offset: result.offset,
      ...(result.first_offset !== undefined ? { firstOffset: result.first_offset } : {}),
      unsubscribe: unsubscriber(this.registry, entry, () => this.core.request('topic.unsubscribe', fields)),
    };
  }

  /** Publishes on a literal topic: text, bytes (Uint8Array/ArrayBuffer) or any JSON value. */
  async publish(topic: string, payload: Payload): Promise<PublishResult> {
    return this.core.request<PublishResult>('topic.publish', { topic }, payload);
  }

  /** Reads the topic's history (after `since`, or from the oldest), without subscribing. */
  async history(topic: string, options: { limit?: number; since?: TopicPosition } = {}): Promise<HistoryResult> {
    const result = await this.core.request<HistoryResult & { messages: Array<Record<string, unknown>> }>('topic.history', {
      topic,
      ...(options.limit !== undefined ? { limit: options.limit } : {}),
      ...(options.since ? { since: options.since } : {}),
    });
    return { ...result, messages: result.messages.map((m) => ({ offset: Number(m.offset), payload: readPayload(m) })) };
  }

  /** How many subscriptions the topic (or pattern, as subscribed) has; with `list`, up to 100 peer ids. */
  presence(topic: string, options: { list?: boolean } = {}): Promise<{ count: number; members?: string[] }> {
    return this.core.request('topic.presence', { topic, ...(options.list ? { list: true } : {}) });
  }

  /** Join and leave events of a topic's subscriptions, until `unwatch()`. */
  async watchPresence(topic: string, handlers: TopicPresenceHandlers): Promise<TopicPresenceWatch> {
    this.presenceWatches.set(topic, handlers);
    let result: { count: number };
    try {
      result = await this.core.request('topic.presence.subscribe', { topic });
    } catch (err) {
      this.presenceWatches.delete(topic);
      throw err;
    }
    return {
      count: result.count,
      unwatch: async () => {
        this.presenceWatches.delete(topic);
        await this.core.request('topic.presence.unsubscribe', { topic });
      },
    };
  }
}
