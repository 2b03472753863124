// Stand-in for the JS client's build (clients/js, `npm run embed` copies its dist/ here and
// replaces this file): the admin part of its interface only, as docs in /work/notes/js-design.md
// describe it. Plain JS, no dependency.

/** An error with the server's code (`unauthorized`, `admin_disabled`, …), HTTP status and body. */
export class SwitchboardError extends Error {
  constructor(code, message, options = {}) {
    super(message);
    this.name = 'SwitchboardError';
    this.code = code;
    if (options.status !== undefined) this.status = options.status;
    if (options.data !== undefined) this.data = options.data;
  }
}

/** The admin API under /api/v1/admin/, authorised by the admin token (X-Switchboard-Admin). */
export class AdminClient {
  #url;
  #token;
  #fetch;

  constructor(options) {
    if (!options || typeof options.token !== 'string' || options.token === '') {
      throw new SwitchboardError('invalid_argument', 'an admin token is required');
    }
    this.#url = (options.url ?? '').replace(/\/+$/, '');
    this.#token = options.token;
    this.#fetch = options.fetch ?? globalThis.fetch.bind(globalThis);
  }

  sessions() {
    return this.#request('GET', '/api/v1/admin/sessions');
  }

  session(id) {
    return this.#request('GET', '/api/v1/admin/sessions/' + encodeURIComponent(id));
  }

  async closeSession(id, reason) {
    const query = reason ? '?reason=' + encodeURIComponent(reason) : '';
    await this.#request('DELETE', '/api/v1/admin/sessions/' + encodeURIComponent(id) + query);
  }

  snapshot() {
    return this.#request('GET', '/api/v1/admin/snapshot');
  }

  /**
   * Polls the snapshot every intervalMs (the next request starts once the previous one has
   * settled, so a slow server never has several in flight); returns a function that stops.
   */
  watch(intervalMs, onSnapshot, onError) {
    let stopped = false;
    let timer = null;
    const tick = async () => {
      try {
        const s = await this.snapshot();
        if (!stopped) onSnapshot(s);
      } catch (e) {
        if (!stopped && onError) onError(e);
      }
      if (!stopped) timer = setTimeout(tick, intervalMs);
    };
    tick();
    return () => {
      stopped = true;
      if (timer !== null) clearTimeout(timer);
    };
  }

  async #request(method, path) {
    let response;
    try {
      response = await this.#fetch(this.#url + path, {
        method,
        headers: { 'X-Switchboard-Admin': this.#token, Accept: 'application/json' },
        cache: 'no-store',
        credentials: 'omit',
      });
    } catch (e) {
      throw new SwitchboardError('disconnected', 'the server cannot be reached: ' + (e && e.message ? e.message : e));
    }
    if (response.status === 204) return undefined;
    let body = null;
    try {
      body = await response.json();
    } catch {
      body = null;
    }
    if (!response.ok) {
      const code = body && typeof body.code === 'string' ? body.code : 'http_' + response.status;
      const message = body && typeof body.message === 'string' ? body.message : response.statusText || code;
      throw new SwitchboardError(code, message, { status: response.status, data: body ?? undefined });
    }
    return body;
  }
}
