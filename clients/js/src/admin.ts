import { SwitchboardError } from './errors.js';

/** A session as the admin API shows it (docs/http-api.md, "Administration"). */
export interface AdminSession {
  id: string;
  numeric_id: number;
  transport: string;
  remote_address: string;
  resumable: boolean;
  kind: string;
  connections: number;
  state: string;
  attached: Array<{ transport: string; remote_address: string }>;
  attributes: Record<string, string>;
  age_s: number;
  locks: number;
  subscriptions: number;
  last_seq: number;
  queue_depth: number;
  requests_in_flight: number;
  /** In a snapshot: what it holds, waits for and listens to. */
  held?: Array<{ key: string; kind: 'lock' | 'semaphore'; fence: string; lease_remaining_ms: number }>;
  waiting?: Array<{ key: string; kind: 'lock' | 'semaphore'; position: number }>;
  listening?: string[];
}

/** Everything the dashboard shows, taken at one moment (`GET /api/v1/admin/snapshot`). */
export interface AdminSnapshot {
  at_ms: number;
  node: { server: string; node_id: string | null; uptime_s: number };
  sessions: AdminSession[];
  locks: Array<{
    key: string;
    kind: 'lock' | 'semaphore';
    limit: number;
    holders: Array<{ session: string; numeric_id: number; fence: string; lease_remaining_ms: number }>;
    waiters: Array<{ session: string; numeric_id: number; position: number; state: 'waiting' | 'enqueued' }>;
    holder_count?: number;
    waiter_count?: number;
  }>;
  topics: Array<{ topic: string; subscribers: number; groups: number; published_total: number }>;
  services: Array<{ name: string; group?: string | null; members: Array<{ kind: string; session?: string | null; numeric_id?: number; in_flight?: number; url?: string }> }>;
  peers: Array<{ peer: string; session: string; numeric_id: number; transport: string }>;
  presence: Array<{ topic: string; members: number }>;
  counters: {
    operations_total: number;
    messages_in_total: number;
    messages_out_total: number;
    bytes_in_total: Record<string, number>;
    bytes_out_total: Record<string, number>;
    operations_by_transport: Record<string, number>;
  };
  limit_hits: Record<string, number>;
  truncated?: boolean;
  /** The lists that `--admin-snapshot-max-items` cut. */
  truncated_lists?: string[];
}

export interface AdminClientOptions {
  /** The server's base URL; default '' (the page's own origin). */
  url?: string;
  /** The admin token (`--admin-token`), sent as X-Switchboard-Admin. */
  token: string;
  fetch?: typeof fetch;
}

/** The admin API over fetch. Errors are SwitchboardErrors with the body's `code` and the HTTP `status`. */
export class AdminClient {
  private readonly base: string;
  private readonly token: string;
  private readonly fetchImpl: typeof fetch;

  constructor(options: AdminClientOptions) {
    this.base = (options.url ?? '').replace(/\/+$/, '');
    this.token = options.token;
    this.fetchImpl = options.fetch ?? globalThis.fetch.bind(globalThis);
  }

  sessions(): Promise<{ sessions: AdminSession[]; count: number }> {
    return this.send('GET', 'sessions');
  }

  session(id: string): Promise<AdminSession> {
    return this.send('GET', `sessions/${encodeURIComponent(id)}`);
  }

  async closeSession(id: string, reason?: string): Promise<void> {
    const query = reason === undefined ? '' : `?reason=${encodeURIComponent(reason)}`;
    await this.send('DELETE', `sessions/${encodeURIComponent(id)}${query}`);
  }

  snapshot(): Promise<AdminSnapshot> {
    return this.send('GET', 'snapshot');
  }

  /**
   * Takes a snapshot every `intervalMs` (the next one only after the previous answered, so a slow
   * server is never asked twice at once). Returns the function that stops it.
   */
  watch(intervalMs: number, onSnapshot: (s: AdminSnapshot) => void, onError?: (e: SwitchboardError) => void): () => void {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const tick = async () => {
      try {
        const snapshot = await this.snapshot();
        if (!stopped) onSnapshot(snapshot);
      } catch (err) {
        if (!stopped) onError?.(err instanceof SwitchboardError ? err : new SwitchboardError('disconnected', String(err)));
      }
      if (!stopped) timer = setTimeout(tick, intervalMs);
    };
    void tick();
    return () => {
      stopped = true;
      if (timer) clearTimeout(timer);
    };
  }

  private async send<T>(method: string, path: string): Promise<T> {
    let response: Response;
    try {
      response = await this.fetchImpl(`${this.base}/api/v1/admin/${path}`, {
        method,
        headers: { 'X-Switchboard-Admin': this.token, Accept: 'application/json' },
      });
    } catch (err) {
      throw new SwitchboardError('disconnected', `the admin API could not be reached: ${String(err)}`);
    }
    const text = await response.text();
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = undefined;
    }
    if (!response.ok) {
      const fallback = { code: `http_${response.status}`, message: text.slice(0, 200) || response.statusText };
      throw SwitchboardError.fromWire(body && typeof body === 'object' && 'code' in body ? body : fallback, response.status);
    }
    return body as T;
  }
}
