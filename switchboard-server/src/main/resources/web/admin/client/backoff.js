export const DEFAULT_BACKOFF = { initialDelayMs: 250, maxDelayMs: 10_000 };
/**
 * Capped exponential backoff with full jitter: a uniform delay in [0, min(max, initial * 2^attempt)).
 * Full jitter spreads the clients a server restart disconnected all at once, so they do not
 * come back in lockstep. `attempt` counts from 0.
 */
export function backoffDelay(attempt, options, random = Math.random) {
    const exp = Math.min(attempt, 30); // 2^30 already exceeds any sane cap; avoids Infinity
    const ceiling = Math.min(options.maxDelayMs, options.initialDelayMs * 2 ** exp);
    return Math.floor(random() * ceiling);
}
