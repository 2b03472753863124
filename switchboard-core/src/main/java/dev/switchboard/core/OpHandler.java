package dev.switchboard.core;

import dev.switchboard.core.session.Request;

/**
 * Carries out one operation and answers the request exactly once, possibly later and on another
 * thread. An operation that waits registers how to cancel it ({@link Request#onCancel}); one
 * whose success leaves state behind says how to undo it ({@link Request#reply(dev.switchboard.protocol.Reply, Runnable)}).
 */
@FunctionalInterface
public interface OpHandler {
    void handle(Request request);
}
