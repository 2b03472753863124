/** A minimal typed event emitter (no Node dependency, so it runs in browsers too). */
export class Emitter<Events extends { [name: string]: unknown }> {
  private readonly listeners = new Map<keyof Events, Set<(value: never) => void>>();

  on<K extends keyof Events>(name: K, listener: (value: Events[K]) => void): () => void {
    let set = this.listeners.get(name);
    if (!set) this.listeners.set(name, (set = new Set()));
    set.add(listener as (value: never) => void);
    return () => this.off(name, listener);
  }

  once<K extends keyof Events>(name: K, listener: (value: Events[K]) => void): () => void {
    const off = this.on(name, (value) => {
      off();
      listener(value);
    });
    return off;
  }

  off<K extends keyof Events>(name: K, listener: (value: Events[K]) => void): void {
    this.listeners.get(name)?.delete(listener as (value: never) => void);
  }

  /** Calls each listener; one that throws is reported and does not stop the others. */
  protected emit<K extends keyof Events>(name: K, value: Events[K]): void {
    for (const listener of [...(this.listeners.get(name) ?? [])]) {
      try {
        (listener as (value: Events[K]) => void)(value);
      } catch (err) {
        reportListenerError(err);
      }
    }
  }
}

/** A listener's bug must not break the connection's message loop: it is logged, not thrown. */
export function reportListenerError(err: unknown): void {
  console.error('switchboard-client: a listener threw', err);
}
