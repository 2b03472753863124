// Rates from the snapshot's monotonic counters: the difference of two snapshots over the time
// between them. A counter that went down (a pattern listened to anew, a restarted server)
// gives no rate rather than a negative one.

export const HISTORY = 120; // points kept per series: two minutes at one snapshot a second

export class Rates {
  #previous = null;
  /** name → array of {t, v} (per second) */
  series = new Map();
  /** topic → messages per second between the last two snapshots */
  topicRates = new Map();

  update(snapshot) {
    const prev = this.#previous;
    this.#previous = snapshot;
    if (!prev) return;
    const dt = (snapshot.at_ms - prev.at_ms) / 1000;
    if (dt <= 0) return;
    const c = snapshot.counters;
    const p = prev.counters;
    const t = snapshot.at_ms;
    this.#push('operations', t, rate(c.operations_total, p.operations_total, dt));
    this.#push('messages in', t, rate(c.messages_in_total, p.messages_in_total, dt));
    this.#push('messages out', t, rate(c.messages_out_total, p.messages_out_total, dt));
    for (const [transport, n] of Object.entries(c.operations_by_transport ?? {})) {
      this.#push('ops ' + transport, t, rate(n, (p.operations_by_transport ?? {})[transport] ?? 0, dt));
    }
    for (const [transport, n] of Object.entries(c.bytes_in_total ?? {})) {
      this.#push('in ' + transport, t, rate(n, (p.bytes_in_total ?? {})[transport] ?? 0, dt));
    }
    for (const [transport, n] of Object.entries(c.bytes_out_total ?? {})) {
      this.#push('out ' + transport, t, rate(n, (p.bytes_out_total ?? {})[transport] ?? 0, dt));
    }
    const before = new Map((prev.topics ?? []).map((x) => [x.topic, x.published_total]));
    this.topicRates = new Map();
    for (const x of snapshot.topics ?? []) {
      if (before.has(x.topic)) this.topicRates.set(x.topic, rate(x.published_total, before.get(x.topic), dt));
    }
  }

  /** The series whose names start with prefix, as {name, points}. */
  matching(prefix) {
    return [...this.series.entries()].filter(([name]) => name.startsWith(prefix)).map(([name, points]) => ({ name, points }));
  }

  #push(name, t, v) {
    if (v === null) return;
    let points = this.series.get(name);
    if (!points) this.series.set(name, (points = []));
    points.push({ t, v });
    if (points.length > HISTORY) points.shift();
  }
}

function rate(now, before, dt) {
  if (typeof now !== 'number' || typeof before !== 'number' || now < before) return null;
  return (now - before) / dt;
}
