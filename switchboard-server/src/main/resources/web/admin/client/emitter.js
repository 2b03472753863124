/** A minimal typed event emitter (no Node dependency, so it runs in browsers too). */
export class Emitter {
    listeners = new Map();
    on(name, listener) {
        let set = this.listeners.get(name);
        if (!set)
            this.listeners.set(name, (set = new Set()));
        set.add(listener);
        return () => this.off(name, listener);
    }
    once(name, listener) {
        const off = this.on(name, (value) => {
            off();
            listener(value);
        });
        return off;
    }
    off(name, listener) {
        this.listeners.get(name)?.delete(listener);
    }
    /** Calls each listener; one that throws is reported and does not stop the others. */
    emit(name, value) {
        for (const listener of [...(this.listeners.get(name) ?? [])]) {
            try {
                listener(value);
            }
            catch (err) {
                reportListenerError(err);
            }
        }
    }
}
/** A listener's bug must not break the connection's message loop: it is logged, not thrown. */
export function reportListenerError(err) {
    console.error('switchboard-client: a listener threw', err);
}
