/**
 * NATS-style subject matching as the server does it (docs/messaging.md, "Publish/subscribe"):
 * `*` matches exactly one token, `>` one or more trailing tokens. The server sends one event per
 * session however many of its patterns match, so the client finds the handlers itself.
 */
export function subjectMatches(pattern, subject) {
    const p = pattern.split('.');
    const s = subject.split('.');
    for (let i = 0; i < p.length; i++) {
        if (p[i] === '>')
            return i === p.length - 1 && s.length > i;
        if (i >= s.length)
            return false;
        if (p[i] !== '*' && p[i] !== s[i])
            return false;
    }
    return p.length === s.length;
}
