/** The session's attributes and information (`session.set`, `session.info`). */
export class SessionApi {
    core;
    constructor(core) {
        this.core = core;
    }
    /** Sets attributes (a `null` value removes the key); all or nothing. Resolves with the session's info. */
    set(attributes) {
        return this.core.request('session.set', { attributes });
    }
    info() {
        return this.core.request('session.info');
    }
}
