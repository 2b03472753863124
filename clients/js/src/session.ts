import type { ClientCore } from './core.js';

export interface SessionInfo {
  session: string;
  transport: string;
  state: string;
  attributes: Record<string, string>;
  connections: number;
  last_seq: number;
}

/** The session's attributes and information (`session.set`, `session.info`). */
export class SessionApi {
  constructor(private readonly core: ClientCore) {}

  /** Sets attributes (a `null` value removes the key); all or nothing. Resolves with the session's info. */
  set(attributes: Record<string, string | null>): Promise<SessionInfo> {
    return this.core.request<SessionInfo>('session.set', { attributes });
  }

  info(): Promise<SessionInfo> {
    return this.core.request<SessionInfo>('session.info');
  }
}
