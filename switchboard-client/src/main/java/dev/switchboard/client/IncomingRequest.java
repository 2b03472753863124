package dev.switchboard.client;

import dev.switchboard.protocol.Payload;
import java.time.Duration;

/**
 * A request the server routed to one of this client's {@linkplain SwitchboardClient#serve services}
 * ({@code rpc.request}).
 *
 * @param rid             the server's id of the call; the answer goes back under it
 * @param name            the name the caller asked for (matches the pattern the service registered)
 * @param payload         what the caller sent
 * @param timeLeft        how long the caller still waits; an answer after that is dropped by the server
 * @param notification    true for a fire-and-forget {@code rpc.notify}: nobody waits for an answer
 * @param callerSession   the calling session's id, or null when the server did not say
 * @param callerTransport how the caller is connected (json, ws, http...), or null
 * @param stream          when the caller asked for a stream: where the handler sends chunks before
 *                        its final payload (which ends the stream); null when it did not ask
 */
public record IncomingRequest(String rid, String name, Payload payload, Duration timeLeft, boolean notification,
                              String callerSession, String callerTransport, ReplyStream stream) {
    /** True when the caller asked for a stream: {@link #stream()} is there. */
    public boolean streaming() {
        return stream != null;
    }
}
