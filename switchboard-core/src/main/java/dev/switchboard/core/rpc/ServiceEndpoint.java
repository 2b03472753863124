package dev.switchboard.core.rpc;

/**
 * Something that serves requests: a backend connection's session, an in-process handler, a
 * webhook, or (in a cluster) a member on another node. The registry only routes to it; how a
 * request reaches it is the request/reply feature's business.
 */
public interface ServiceEndpoint {
    /**
     * Stable and unique among live endpoints (a session id, a handler name, a node-qualified id);
     * the registry compares endpoints by this id, not by object identity, so that a cluster
     * engine can hand back a proxy for an endpoint it learned about from another node.
     */
    String endpointId();
}
