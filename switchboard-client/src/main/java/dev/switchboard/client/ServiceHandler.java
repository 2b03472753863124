package dev.switchboard.client;

import dev.switchboard.protocol.Payload;
import java.util.concurrent.CompletionStage;

/**
 * Serves requests for a {@linkplain SwitchboardClient#serve registered} pattern. Runs on the
 * client's callback executor, possibly for several requests at once; may complete later, on any
 * thread. The payload it completes with is the caller's result. To answer with an application
 * error, throw (or complete exceptionally with) a {@link ServiceError}; anything else thrown
 * reaches the caller as {@code internal}, without its message, and is logged here.
 */
@FunctionalInterface
public interface ServiceHandler {
    CompletionStage<Payload> handle(IncomingRequest request) throws Exception;
}
