package dev.switchboard.client;

import dev.switchboard.protocol.Payload;

/**
 * One member's outcome in a {@linkplain SwitchboardClient#requestMany request-many}: its result
 * ({@link #payload()}), or why it has none ({@link #error()}: the service's application error, or
 * the server's {@code timeout}, {@code disconnected}, {@code no_responders}, ...).
 *
 * @param target  the name the member was asked under
 * @param member  the serving backend's session id, {@code in-process} for a handler of the server,
 *                or null when nothing served the target
 * @param payload the member's result; null when it failed
 * @param error   why it failed; null when it answered with a result
 */
public record MemberReply(String target, String member, Payload payload, RpcException error) {
    /** True when the member answered with a result. */
    public boolean ok() {
        return error == null;
    }
}
