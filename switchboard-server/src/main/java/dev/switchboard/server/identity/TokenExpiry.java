package dev.switchboard.server.identity;

import dev.switchboard.core.Dispatcher;
import dev.switchboard.core.session.Session;
import dev.switchboard.core.session.SessionEnd;
import dev.switchboard.core.session.SessionRegistry;
import dev.switchboard.core.time.NodeClock;
import dev.switchboard.protocol.ErrorCode;
import dev.switchboard.protocol.Ops;
import dev.switchboard.protocol.Reply;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Acts on the expiry of the signed token or JWT a session authenticated with, on the node's clock:
 * shortly before it the session is sent {@code token.expiring}; a refresh ({@code auth.refresh})
 * with a newer token for the same identity moves the expiry; at the expiry plus
 * {@code --token-expiry-grace} without one, the session ends and its connections are told
 * {@code token_expired}. A timer acts in the session's mailbox, and only while it is still the
 * session's current one: a timer that fired just as a refresh replaced it does nothing.
 */
public final class TokenExpiry {
    /** The warning comes at most this long before the expiry... */
    public static final Duration MAX_WARNING = Duration.ofSeconds(30);
    /** ...and at most this fraction of the token's remaining life before it (a short-lived token is not warned at once). */
    private static final int WARNING_FRACTION = 10;
    static final String EXPIRED_MESSAGE = "the session's token expired and was not refreshed";

    private final NodeClock clock;
    private final SessionRegistry sessions;
    private final Duration grace;
    private final boolean releaseHeld;
    private final LongAdder expired = new LongAdder();
    private final Map<String, LongAdder> refreshes = new LinkedHashMap<>();
    /** Held while a timer is made and set as a session's current one, and while a fired timer checks it still is. */
    private final Object timers = new Object();

    /** What a refresh can come to, as the metric's {@code result} label names it. */
    public static final String[] REFRESH_RESULTS = {"ok", "refused", "forbidden"};

    public TokenExpiry(NodeClock clock, SessionRegistry sessions, Duration grace, boolean releaseHeld) {
        this.clock = clock;
        this.sessions = sessions;
        this.grace = grace;
        this.releaseHeld = releaseHeld;
        for (String r : REFRESH_RESULTS) refreshes.put(r, new LongAdder());
    }

    /**
     * Gives {@code s} the identity its client authenticated with, and watches that credential's
     * {@code expiresAt} (null: it does not expire, and any earlier watch is dropped).
     */
    public void authenticated(Session s, Authentication.Accepted auth) {
        s.identity(auth.identity());
        // At once, not in the mailbox: the timer runs from the time the client is told it is welcome.
        schedule(s, auth.expiresAt());
    }

    /**
     * Serves {@code auth.refresh {token}} on every native transport (HTTP sessions included):
     * {@code check} is how the server checks a token (as in a hello).
     */
    public void registerWith(Dispatcher dispatcher, Function<String, Authentication> check) {
        dispatcher.register(Ops.AUTH_REFRESH, request -> {
            if (!(request.frame().value("token") instanceof String token) || token.isBlank()) {
                request.reply(Reply.error(ErrorCode.INVALID_ARGUMENT, "token must be a non-empty string"));
                return;
            }
            refresh(request.session(), check.apply(token), request::reply);
        });
    }

    /**
     * {@code auth.refresh}: {@code checked} is what the new token proved. It must be a token that
     * expires, for the session's own identity (a token is bound to its identity: a refresh cannot
     * change who the session is); its permissions replace the session's, and its expiry is watched
     * from now on. {@code done} gets {@code {expires_at}} (epoch milliseconds) or the error; a refused
     * refresh changes nothing, and the old expiry still stands.
     */
    public void refresh(Session s, Authentication checked, Consumer<Reply> done) {
        if (checked instanceof Authentication.Refused refused) {
            count("refused");
            done.accept(Reply.error(ErrorCode.UNAUTHORIZED, refused.reason()));
            return;
        }
        Authentication.Accepted accepted = (Authentication.Accepted) checked;
        s.inMailbox(() -> {
            String current = s.identity().name();
            if (accepted.expiresAt() == null || !accepted.identity().name().equals(current)) {
                count("forbidden");
                done.accept(Reply.error(ErrorCode.FORBIDDEN, "a refresh takes a signed token or JWT for the session's own identity '"
                        + current + "'; the token is for '" + accepted.identity().name() + "'"));
                return;
            }
            if (s.isClosed()) {
                done.accept(Reply.error(ErrorCode.SESSION_CLOSED, SessionRegistry.ENDED));
                return;
            }
            s.identity(accepted.identity());
            schedule(s, accepted.expiresAt());
            count("ok");
            done.accept(Reply.ok(Map.of("expires_at", accepted.expiresAt().toEpochMilli())));
        });
    }

    /** The warning (or, when it is due already, the end) of {@code expiresAt}; null cancels. */
    private void schedule(Session s, Instant expiresAt) {
        if (expiresAt == null || s.isClosed()) {
            s.credentialTimer(null);
            return;
        }
        long left = expiresAt.toEpochMilli() - clock.currentTimeMillis();
        long warning = Math.min(MAX_WARNING.toMillis(), left / WARNING_FRACTION);
        if (left - warning > 0) {
            at(s, left - warning, () -> {
                Map<String, Object> event = new LinkedHashMap<>();
                event.put("op", Ops.TOKEN_EXPIRING);
                event.put("expires_at", expiresAt.toEpochMilli());
                s.emit(event);
                at(s, expiresAt.toEpochMilli() + grace.toMillis() - clock.currentTimeMillis(), () -> end(s));
            });
        } else {
            at(s, left + grace.toMillis(), () -> end(s));
        }
    }

    /** Runs {@code task} in the session's mailbox after {@code delayMs}, unless another timer replaced this one by then. */
    private void at(Session s, long delayMs, Runnable task) {
        synchronized (timers) { // set before the task can look
            s.credentialTimer(clock.timer().newTimeout(t -> s.inMailbox(() -> {
                boolean current;
                synchronized (timers) {
                    current = s.credentialTimer() == t;
                }
                if (current) task.run();
            }), Math.max(0, delayMs), TimeUnit.MILLISECONDS));
        }
    }

    private void end(Session s) {
        s.credentialTimer(null);
        if (s.isClosed()) return;
        expired.increment();
        sessions.close(s, releaseHeld, SessionEnd.TOKEN_EXPIRED, ErrorCode.TOKEN_EXPIRED, EXPIRED_MESSAGE);
    }

    private void count(String result) {
        refreshes.get(result).increment();
    }

    /** Sessions ended because their token expired without a refresh. */
    public long expiredTotal() {
        return expired.sum();
    }

    /** Refreshes that came to {@code result} (one of {@link #REFRESH_RESULTS}). */
    public long refreshes(String result) {
        return refreshes.get(result).sum();
    }
}
