package dev.switchboard.core.rpc;

import dev.switchboard.protocol.Payload;
import dev.switchboard.protocol.Reply;

/**
 * The other nodes of a cluster, for request-many ({@code rpc.call_many} by name): a cluster
 * engine plugs this in ({@link RequestReply#useOtherNodes}) and then each request-many also asks
 * every other node serving the name, each answering for its own members. Without it (one node)
 * request-many asks this node's members only.
 */
public interface OtherNodes {
    /** Where the other nodes' answers go; any thread, each method may be called after the gathering stopped (ignored then). */
    interface Replies {
        /**
         * A member on another node was asked; if its outcome has not come when {@link #done()}
         * does, it is reported as {@code timeout}.
         */
        void asked(String member);

        /** One member on another node has its outcome; {@code member} names it (node-qualified). */
        void member(String member, Reply outcome);

        /** No more answers will come: the deadline passed, or no other node serves the name. */
        void done();
    }

    /**
     * Asks every other node serving {@code name}; answers go to {@code replies} until
     * {@link Replies#done()}, which comes by {@code timeoutMs} at the latest.
     *
     * @return stops the gathering early (the caller has what it needs, or went)
     */
    Runnable callEach(String name, Payload payload, long timeoutMs, Replies replies);

    /**
     * Hands a notify to one other node serving {@code name} (one per service, as a call goes),
     * which delivers it to one of its members. {@code outcome} is told once, from any thread: ok
     * when a node took it, {@code no_responders} when no other node serves the name, or why the
     * others could not be asked. Without a cluster nothing else serves it.
     */
    default void notifyOne(String name, Payload payload, java.util.function.Consumer<Reply> outcome) {
        outcome.accept(RpcReplies.noResponders(name));
    }
}
