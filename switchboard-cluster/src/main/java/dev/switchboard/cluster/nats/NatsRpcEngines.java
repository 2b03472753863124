package dev.switchboard.cluster.nats;

import dev.switchboard.cluster.ClusterConnections;
import dev.switchboard.core.Engines;
import dev.switchboard.core.SwitchboardCore;
import dev.switchboard.core.rpc.OtherNodes;
import dev.switchboard.core.rpc.RequestReply;
import dev.switchboard.protocol.Payload;
import dev.switchboard.protocol.Reply;
import dev.switchboard.core.rpc.ServiceRegistry;
import io.nats.client.Dispatcher;
import java.util.function.Consumer;

/**
 * Request/reply across nodes on NATS, as the engines of one node: the service registry
 * ({@link NatsServiceRegistry}: local members, each name served also subscribed on NATS), and,
 * once the core is built, the target that sends calls nothing here serves to the other nodes
 * ({@link NatsRpcCaller}) and the answering of their calls ({@link NatsRpcResponder}). The
 * embedding program's in-process handlers are served to other nodes too, each pattern in the
 * queue group of its own ungrouped registrations.
 *
 * <p>Lookup order on a node: in-process handlers, local backends, then other nodes, then the
 * node's webhooks (which so answer only names that no node serves). A local member is always
 * preferred over remote ones: no network hop, and a node's members keep working when NATS is
 * down. A service whose members are spread over nodes is so balanced across nodes only for calls
 * made on nodes that have no member of it.
 *
 * <p>A notify nothing here serves goes to one other node the same way ({@link NatsRpcCaller#notifyOne}),
 * before the webhooks; request-many asks every other node ({@link NatsRpcMany}).
 */
public final class NatsRpcEngines implements Engines {
    private final ClusterConnections connections;
    private final NatsSubjects subjects;
    private final NatsRpcResponder responder;
    private final Dispatcher dispatcher;
    private final NatsRpcSubscriptions subscriptions;
    private volatile Consumer<String> limitHits = limit -> { };
    private final NatsRpcInFlight inFlight;

    public NatsRpcEngines(ClusterConnections connections, NatsSubjects subjects, NatsRpcSettings settings) {
        this.connections = connections;
        this.subjects = subjects;
        this.responder = new NatsRpcResponder(connections.nats(), subjects, connections.nodeId());
        this.dispatcher = connections.nats().createDispatcher(responder);
        this.subscriptions = new NatsRpcSubscriptions(subjects, dispatcher, responder, responder.many());
        this.inFlight = new NatsRpcInFlight(settings.maxInFlight(), limit -> limitHits.accept(limit));
    }

    /** Where a call refused by {@link NatsRpcSettings#maxInFlight()} is counted (the node's limit counter). */
    public NatsRpcEngines onLimitHit(Consumer<String> counter) {
        this.limitHits = counter == null ? limit -> { } : counter;
        return this;
    }

    @Override
    public ServiceRegistry services(int maxPerEndpoint) {
        return new NatsServiceRegistry(maxPerEndpoint, 0, subscriptions);
    }

    @Override
    public void started(SwitchboardCore core) {
        RequestReply rpc = core.rpc();
        NatsCallerStreams streams = new NatsCallerStreams(connections.nats(), dispatcher, subjects, connections.nodeId());
        NatsRpcCaller caller = new NatsRpcCaller(connections.nats(), subjects, core.clock(), rpc.tracker(), inFlight, streams);
        responder.streamsIn(new NatsServedStreams(dispatcher, subjects));
        connections.nats().addConnectionListener(caller);
        rpc.addTarget(caller);
        NatsRpcMany many = new NatsRpcMany(connections.nats(), dispatcher, subjects, connections.nodeId(), core.clock(),
                inFlight);
        connections.nats().addConnectionListener(many);
        long notifyTimeoutMs = rpc.settings().defaultTimeoutMs();
        rpc.useOtherNodes(new OtherNodes() {
            @Override
            public Runnable callEach(String name, Payload payload, long timeoutMs, Replies replies) {
                return many.callEach(name, payload, timeoutMs, replies);
            }

            @Override
            public void notifyOne(String name, Payload payload, Consumer<Reply> outcome) {
                caller.notifyOne(name, payload, notifyTimeoutMs, outcome);
            }
        });
        responder.serveWith(rpc);
        for (String pattern : rpc.settings().handlers().requestPatterns()) subscriptions.hold(pattern, "");
    }

    /** Calls this node has out on NATS now (a gauge for the node's metrics). */
    public int callsInFlight() {
        return inFlight.now();
    }

    /** Calls refused because {@link NatsRpcSettings#maxInFlight()} were out already. */
    public long limitHits() {
        return inFlight.hits();
    }

}
