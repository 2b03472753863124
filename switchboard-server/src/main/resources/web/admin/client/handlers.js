import { subjectMatches } from './subject.js';
/**
 * The handlers registered on subject patterns, for events the server sends once per session
 * whichever of its subscriptions matched. Knows when the last local registration of a
 * (pattern, group) pair goes, so the server subscription can go with it.
 */
export class PatternRegistry {
    entries = [];
    add(entry) {
        this.entries.push(entry);
    }
    /** Removes the entry; true when no other entry has the same pattern and group. */
    remove(entry) {
        const i = this.entries.indexOf(entry);
        if (i >= 0)
            this.entries.splice(i, 1);
        return !this.entries.some((e) => e.pattern === entry.pattern && e.group === entry.group);
    }
    matching(subject) {
        const handlers = new Set();
        for (const entry of this.entries)
            if (subjectMatches(entry.pattern, subject))
                handlers.add(entry.handler);
        return [...handlers];
    }
    first(subject) {
        return this.entries.find((e) => subjectMatches(e.pattern, subject));
    }
}
/** Runs a handler, logging what it throws: an app bug must not stop the message loop. */
export function invoke(handler, arg) {
    try {
        const result = handler(arg);
        if (result instanceof Promise)
            result.catch((err) => console.error('switchboard-client: a handler failed', err));
    }
    catch (err) {
        console.error('switchboard-client: a handler threw', err);
    }
}
export function groupField(group) {
    return group === undefined ? {} : { group };
}
/**
 * Registers `entry` locally, then asks the server (`subscribe`): registered first because events
 * may arrive before the answer; removed again when the server refuses.
 */
export async function registerThenSubscribe(registry, entry, subscribe) {
    registry.add(entry);
    try {
        return await subscribe();
    }
    catch (err) {
        registry.remove(entry);
        throw err;
    }
}
/** Removes `entry`, and the server subscription (`unsubscribe`) when it was the last of its kind. */
export function unsubscriber(registry, entry, unsubscribe) {
    return async () => {
        if (registry.remove(entry))
            await unsubscribe();
    };
}
