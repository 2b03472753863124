package dev.switchboard.core.rpc;

import java.util.List;
import java.util.Optional;

/**
 * Who serves which request names: the engine seam of request/reply (the in-memory registry of
 * one node; a NATS engine maps it on subjects with queue groups). Names are NATS-style subjects
 * ({@code billing.invoice.create}); registrations are patterns over them ({@code billing.>}).
 *
 * <p><b>Services.</b> A registration without a group is a service of its own; registrations that
 * share a group on the same pattern are the members of one service, scaled out. A request goes
 * to one service and, within it, to one member.
 *
 * <p>Thread-safety: every method may be called from any thread at any time; none blocks, none
 * calls back into the caller.
 */
public interface ServiceRegistry {
    /**
     * Registers {@code endpoint} to serve the names matching {@code pattern}, in {@code group}
     * ({@code ""} for none). Atomic: once this returns, {@link #pick} and {@link #members} see
     * it. Idempotent for the same (endpoint id, pattern, group): the second call returns a handle
     * to the same registration, and closing either handle removes it.
     *
     * @return the registration, or {@link Registered.Refused} when the engine's bound on
     *         registrations (per endpoint or in total) is reached; nothing changed then
     */
    Registered register(String pattern, String group, ServiceEndpoint endpoint);

    /**
     * One endpoint for a request on {@code name}, or empty when nothing serves it (the caller
     * answers {@code no_responders} at once). Successive calls are balanced: round-robin over the
     * matching services, then round-robin over the members of the chosen service. An answer is
     * only a routing decision: the endpoint may go away a moment later, and the caller must
     * handle that (as {@code disconnected}).
     */
    Optional<ServiceEndpoint> pick(String name);

    /**
     * The endpoints for a request to every service serving {@code name} (request-many): one
     * member of each matching service (balanced as in {@link #pick}), each endpoint at most once
     * even when it serves the name through several registrations. Empty when nothing serves it.
     * The order is the order in which the services registered.
     */
    List<ServiceEndpoint> members(String name);

    /** Removes every registration of the endpoint with this id (its connection ended); unknown ids are ignored. */
    void unregisterAll(String endpointId);

    /** Registrations in force, for admins and for tests that check nothing is left behind. */
    int size();

    /**
     * The services registered on this node with their members, in registration order: an
     * operator's view. This default lists none; the in-memory registry (and a cluster registry
     * through its local one) lists them.
     */
    default List<ServiceListing> listing() {
        return List.of();
    }

    /** The outcome of {@link #register}. */
    sealed interface Registered permits Registration, Registered.Refused {
        /** Not registered, and why (for the client's error message). */
        record Refused(String reason) implements Registered {
        }
    }

    /** A registration in force; {@link #close()} removes it (idempotent). */
    non-sealed interface Registration extends Registered, AutoCloseable {
        String pattern();

        String group();

        @Override
        void close();
    }
}
