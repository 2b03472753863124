// Drives one Transport the way the client core does: requests with ids, answers matched by id,
// events collected in arrival order, and the transport's end recorded.
export class Harness {
  constructor(transport) {
    this.transport = transport;
    this.events = [];
    this.closedWith = null;
    this.nextId = 1;
    this.waiters = new Map();
    this.eventWaiters = [];
  }

  handlers() {
    return {
      message: (msg) => {
        if (msg.id !== undefined && this.waiters.has(msg.id)) {
          const w = this.waiters.get(msg.id);
          this.waiters.delete(msg.id);
          w(msg);
          return;
        }
        this.events.push(msg);
        this.eventWaiters = this.eventWaiters.filter((w) => !w());
      },
      binary: () => {
        throw new Error('an HTTP transport delivered a binary frame');
      },
      closed: (reason) => {
        this.closedWith = reason;
        this.eventWaiters = this.eventWaiters.filter((w) => !w());
      },
    };
  }

  async open(hello = { version: 1 }) {
    this.welcome = await this.transport.open(hello, this.handlers());
    return this.welcome;
  }

  /** Sends a request; resolves with its answer message (reply or error). */
  request(op, fields = {}) {
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.waiters.set(id, resolve);
      this.transport.send({ op, id, ...fields });
    });
  }

  /** The result of a request that must succeed. */
  async call(op, fields = {}) {
    const answer = await this.request(op, fields);
    if (answer.op !== 'reply') throw new Error(`${op} failed: ${JSON.stringify(answer)}`);
    return answer.result;
  }

  /** Waits until `predicate(this)` holds (checked on each event and on close), up to `ms`. */
  until(predicate, ms = 5000, what = 'condition') {
    if (predicate(this)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}; events: ${JSON.stringify(this.events)}`)), ms);
      this.eventWaiters.push(() => {
        if (!predicate(this)) return false;
        clearTimeout(timer);
        resolve();
        return true;
      });
    });
  }

  eventsOf(op) {
    return this.events.filter((e) => e.op === op);
  }
}
