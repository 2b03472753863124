import { SwitchboardError } from './errors.js';
/** The admin API over fetch. Errors are SwitchboardErrors with the body's `code` and the HTTP `status`. */
export class AdminClient {
    base;
    token;
    fetchImpl;
    constructor(options) {
        this.base = (options.url ?? '').replace(/\/+$/, '');
        this.token = options.token;
        this.fetchImpl = options.fetch ?? globalThis.fetch.bind(globalThis);
    }
    sessions() {
        return this.send('GET', 'sessions');
    }
    session(id) {
        return this.send('GET', `sessions/${encodeURIComponent(id)}`);
    }
    async closeSession(id, reason) {
        const query = reason === undefined ? '' : `?reason=${encodeURIComponent(reason)}`;
        await this.send('DELETE', `sessions/${encodeURIComponent(id)}${query}`);
    }
    snapshot() {
        return this.send('GET', 'snapshot');
    }
    /**
     * Takes a snapshot every `intervalMs` (the next one only after the previous answered, so a slow
     * server is never asked twice at once). Returns the function that stops it.
     */
    watch(intervalMs, onSnapshot, onError) {
        let stopped = false;
        let timer;
        const tick = async () => {
            try {
                const snapshot = await this.snapshot();
                if (!stopped)
                    onSnapshot(snapshot);
            }
            catch (err) {
                if (!stopped)
                    onError?.(err instanceof SwitchboardError ? err : new SwitchboardError('disconnected', String(err)));
            }
            if (!stopped)
                timer = setTimeout(tick, intervalMs);
        };
        void tick();
        return () => {
            stopped = true;
            if (timer)
                clearTimeout(timer);
        };
    }
    async send(method, path) {
        let response;
        try {
            response = await this.fetchImpl(`${this.base}/api/v1/admin/${path}`, {
                method,
                headers: { 'X-Switchboard-Admin': this.token, Accept: 'application/json' },
            });
        }
        catch (err) {
            throw new SwitchboardError('disconnected', `the admin API could not be reached: ${String(err)}`);
        }
        const text = await response.text();
        let body;
        try {
            body = text ? JSON.parse(text) : undefined;
        }
        catch {
            body = undefined;
        }
        if (!response.ok) {
            const fallback = { code: `http_${response.status}`, message: text.slice(0, 200) || response.statusText };
            throw SwitchboardError.fromWire(body && typeof body === 'object' && 'code' in body ? body : fallback, response.status);
        }
        return body;
    }
}
