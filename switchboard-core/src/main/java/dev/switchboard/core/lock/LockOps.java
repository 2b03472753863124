package dev.switchboard.core.lock;

import dev.switchboard.core.Dispatcher;
import dev.switchboard.core.session.Request;
import dev.switchboard.protocol.ErrorCode;
import dev.switchboard.protocol.Frame;
import dev.switchboard.protocol.ProtocolException;
import dev.switchboard.protocol.Reply;
import java.util.Map;
import java.util.function.Consumer;

/** The lock and semaphore operations ({@code lock.*}, {@code sem.*}) on top of the lock engine; the session is the owner. */
public final class LockOps {
    /** dflockd's largest seconds value (MaxInt64 / 1e9), in milliseconds. */
    public static final long MAX_DURATION_MS = 9_223_372_036_000L;
    /** dflockd's cap on a semaphore limit. */
    public static final int MAX_LIMIT = 1 << 20;

    private final LockEngine locks;
    private final long defaultLeaseMs;

    public LockOps(LockEngine locks, long defaultLeaseMs) {
        this.locks = locks;
        this.defaultLeaseMs = defaultLeaseMs;
    }

    public void registerWith(Dispatcher dispatcher) {
        for (LockKind kind : LockKind.values()) {
            String prefix = kind == LockKind.LOCK ? "lock." : "sem.";
            dispatcher.register(prefix + "acquire", req -> {
                Frame f = req.frame();
                ResourceKey key = key(kind, f);
                req.onCancel(locks.acquire(req.session().ownerId(), key, limit(kind, f), timeout(f), lease(f),
                        answer(req, key))::cancel);
            });
            dispatcher.register(prefix + "enqueue", req -> {
                Frame f = req.frame();
                ResourceKey key = key(kind, f);
                locks.enqueue(req.session().ownerId(), key, limit(kind, f), lease(f), answer(req, key));
            });
            dispatcher.register(prefix + "wait", req -> {
                ResourceKey key = key(kind, req.frame());
                req.onCancel(locks.await(req.session().ownerId(), key, timeout(req.frame()), answer(req, key))::cancel);
            });
            dispatcher.register(prefix + "renew", req -> {
                Frame f = req.frame();
                locks.renew(key(kind, f), token(f), lease(f), o -> req.reply(toReply(o)));
            });
            dispatcher.register(prefix + "release", req -> {
                Frame f = req.frame();
                locks.release(key(kind, f), token(f), o -> req.reply(toReply(o)));
            });
            dispatcher.register(prefix + "cancel", req -> locks.cancelWaits(req.session().ownerId(), key(kind, req.frame()),
                    n -> req.reply(Reply.ok(Map.of("cancelled", (long) n)))));
        }
    }

    /**
     * Replies with the outcome; a grant or a place in the queue that its requester cannot receive
     * (its connection closed, the write failed) is given back at once, so that nobody holds a
     * slot nobody knows about.
     */
    private Consumer<LockOutcome> answer(Request req, ResourceKey key) {
        return o -> {
            Reply reply = toReply(o);
            switch (o.status()) {
                case ACQUIRED -> req.reply(reply, () -> locks.release(key, o.token(), ignored -> { }));
                case QUEUED -> req.reply(reply, () -> giveUpPlace(req.session().ownerId(), key));
                default -> req.reply(reply);
            }
        };
    }

    /** Leaves the queue a two-phase owner joined, releasing the slot if it was granted meanwhile. */
    private void giveUpPlace(long owner, ResourceKey key) {
        locks.await(owner, key, 0, o -> {
            if (o.status() == LockOutcome.Status.ACQUIRED) locks.release(key, o.token(), ignored -> { });
        });
    }

    private static ResourceKey key(LockKind kind, Frame f) {
        return new ResourceKey(kind, f.key("key"));
    }

    private static int limit(LockKind kind, Frame f) {
        return kind == LockKind.LOCK ? 1 : (int) f.number("limit", 1, MAX_LIMIT);
    }

    private static long timeout(Frame f) {
        return f.optionalNumber("timeout_ms", 0, MAX_DURATION_MS, 0);
    }

    private long lease(Frame f) {
        return f.optionalNumber("lease_ms", 1, MAX_DURATION_MS, defaultLeaseMs);
    }

    private static String token(Frame f) {
        String token = f.string("token");
        if (token.isBlank() || token.length() > Frame.MAX_KEY_BYTES) {
            throw new ProtocolException(ErrorCode.INVALID_ARGUMENT,
                    "token must be 1 to 256 characters");
        }
        return token;
    }

    /** The reply to an outcome; its result is a {@link LockResult}, written without a map on the native path. */
    static Reply toReply(LockOutcome o) {
        return switch (o.status()) {
            case ACQUIRED -> Reply.ok(LockResult.acquired(o.token(), o.leaseMs()));
            case QUEUED -> Reply.ok(LockResult.QUEUED);
            case TIMEOUT -> Reply.ok(LockResult.TIMEOUT);
            case RENEWED -> Reply.ok(LockResult.renewed(o.leaseMs()));
            case RELEASED -> Reply.ok(LockResult.RELEASED);
            case FAILED -> Reply.error(errorCode(o.error()), o.error().message());
        };
    }

    private static ErrorCode errorCode(LockError e) {
        return switch (e) {
            case LIMIT_MISMATCH -> ErrorCode.LIMIT_MISMATCH;
            case MAX_LOCKS -> ErrorCode.MAX_LOCKS;
            case MAX_WAITERS -> ErrorCode.MAX_WAITERS;
            case ALREADY_ENQUEUED -> ErrorCode.ALREADY_ENQUEUED;
            case NOT_ENQUEUED -> ErrorCode.NOT_ENQUEUED;
            case ALREADY_WAITING -> ErrorCode.ALREADY_WAITING;
            case LEASE_EXPIRED -> ErrorCode.LEASE_EXPIRED;
            case NOT_HELD -> ErrorCode.NOT_HELD;
            case OWNER_CLOSED -> ErrorCode.SESSION_CLOSED;
            case CANCELLED -> ErrorCode.CANCELLED;
            case FENCE_PERSISTENCE -> ErrorCode.FENCE_PERSISTENCE;
            case BUSY -> ErrorCode.TOO_MANY_REQUESTS;
        };
    }
}
