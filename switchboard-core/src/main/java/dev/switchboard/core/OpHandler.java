package dev.switchboard.core;

import dev.switchboard.core.session.Session;
import dev.switchboard.protocol.Frame;
import dev.switchboard.protocol.Reply;
import java.util.function.Consumer;

/** Carries out one operation for a session and answers exactly once, possibly later and on another thread. */
@FunctionalInterface
public interface OpHandler {
    void handle(Session session, Frame request, Consumer<Reply> reply);
}
