// Mints Switchboard signed tokens (docs/identity.md, "The signed token format") for the tests.
import crypto from 'node:crypto';

const b64url = (buf) => Buffer.from(buf).toString('base64url');

/** A token `sb1.<claims>.<mac>` for `sub`, expiring `ttlSeconds` from now (whole seconds). */
export function mintToken(secret, sub, ttlSeconds, extra = {}) {
  const claims = b64url(JSON.stringify({ sub, exp: Math.floor(Date.now() / 1000) + ttlSeconds, ...extra }));
  const mac = b64url(crypto.createHmac('sha256', Buffer.from(secret, 'utf8')).update(`sb1.${claims}`).digest());
  return `sb1.${claims}.${mac}`;
}
