import { readPayload } from './payload.js';
import { PatternRegistry, invoke, groupField, registerThenSubscribe, unsubscriber } from './handlers.js';
/** Signals (`signal.*`): fire-and-forget on NATS-style channels, shared with dflockd clients. */
export class Signals {
    core;
    registry = new PatternRegistry();
    constructor(core) {
        this.core = core;
        core.onEvent('signal', (msg) => {
            const signal = { channel: String(msg.channel), payload: readPayload(msg), seq: Number(msg.seq) };
            for (const handler of this.registry.matching(signal.channel))
                invoke(handler, signal);
        });
    }
    /** Listens on `pattern` (`*` one token, `>` the rest); with `group`, one member of the group gets each signal. */
    async listen(pattern, handler, options = {}) {
        const entry = { pattern, group: options.group, handler };
        const fields = { pattern, ...groupField(options.group) };
        await registerThenSubscribe(this.registry, entry, () => this.core.request('signal.listen', fields));
        return {
            pattern,
            group: options.group,
            unsubscribe: unsubscriber(this.registry, entry, () => this.core.request('signal.unlisten', fields)),
        };
    }
    /** Publishes a text signal; resolves with how many listeners it was delivered to. */
    async publish(channel, payload) {
        const result = await this.core.request('signal.publish', { channel }, payload);
        return result.delivered;
    }
}
/** Publish/subscribe topics (`topic.*`): wildcards, queue groups, history and offsets, presence. */
export class Topics {
    core;
    registry = new PatternRegistry();
    presenceWatches = new Map();
    constructor(core) {
        this.core = core;
        core.onEvent('message', (msg) => {
            const message = {
                topic: String(msg.topic),
                payload: readPayload(msg),
                offset: Number(msg.offset ?? 0),
                seq: Number(msg.seq),
            };
            if (typeof msg.epoch === 'string')
                message.epoch = msg.epoch;
            for (const handler of this.registry.matching(message.topic))
                invoke(handler, message);
        });
        const presence = (kind) => (msg) => {
            const handler = this.presenceWatches.get(String(msg.topic))?.[kind];
            if (handler)
                invoke(handler.bind(undefined), { topic: String(msg.topic), peer: String(msg.peer) });
        };
        core.onEvent('topic.join', presence('onJoin'));
        core.onEvent('topic.leave', presence('onLeave'));
        core.onEvent('topic.presence.resync', (msg) => {
            const handler = this.presenceWatches.get(String(msg.topic))?.onResync;
            if (handler)
                invoke(handler.bind(undefined), { topic: String(msg.topic), count: Number(msg.count) });
        });
    }
    /**
     * Subscribes to `pattern`. With `since` (a literal topic with history), the messages after that
     * position arrive first, oldest first, each once; the answer says whether that was all of them.
     */
    async subscribe(pattern, handler, options = {}) {
        const entry = { pattern, group: options.group, handler };
        const fields = { pattern, ...groupField(options.group) };
        // The backlog of `since` may come before the answer: registerThenSubscribe is ready for it.
        const result = await registerThenSubscribe(this.registry, entry, () => this.core.request('topic.subscribe', {
            ...fields,
            ...(options.since ? { since: options.since } : {}),
        }));
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
    async publish(topic, payload) {
        return this.core.request('topic.publish', { topic }, payload);
    }
    /** Reads the topic's history (after `since`, or from the oldest), without subscribing. */
    async history(topic, options = {}) {
        const result = await this.core.request('topic.history', {
            topic,
            ...(options.limit !== undefined ? { limit: options.limit } : {}),
            ...(options.since ? { since: options.since } : {}),
        });
        return { ...result, messages: result.messages.map((m) => ({ offset: Number(m.offset), payload: readPayload(m) })) };
    }
    /** How many subscriptions the topic (or pattern, as subscribed) has; with `list`, up to 100 peer ids. */
    presence(topic, options = {}) {
        return this.core.request('topic.presence', { topic, ...(options.list ? { list: true } : {}) });
    }
    /** Join and leave events of a topic's subscriptions, until `unwatch()`. */
    async watchPresence(topic, handlers) {
        this.presenceWatches.set(topic, handlers);
        let result;
        try {
            result = await this.core.request('topic.presence.subscribe', { topic });
        }
        catch (err) {
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
