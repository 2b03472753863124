package dev.switchboard.core.rpc;

/**
 * One kind of target a request may go to — in-process handlers, backend services and
 * webhooks (the server's {@code WebhookTarget}) — consulted in that order ({@link RequestReply}): the first that serves the name takes
 * the request. A new kind of target plugs in here.
 */
public interface RpcTarget {
    /**
     * Takes {@code call} when something here serves its name, and then sees to it that the call
     * gets its outcome ({@link RpcTracker#complete}) — now or later, from any thread. False when
     * nothing here serves the name: the next target is asked.
     */
    boolean call(RpcCall call);

    /** Delivers a notify when something here serves its name; false when nothing does. */
    boolean notify(RpcCall notice);
}
