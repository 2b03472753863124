package dev.switchboard.cluster;

import io.nats.client.Connection;
import io.nats.client.Consumer;
import io.nats.client.ErrorListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * jnats's errors in the node's log (SLF4J) instead of java.util.logging. Connection exceptions are
 * at debug: during an outage jnats has one per reconnect attempt, and {@link ClusterHealth} already
 * logs the outage once, when it begins and when it ends.
 */
final class NatsErrorLog implements ErrorListener {
    private static final Logger log = LoggerFactory.getLogger(NatsErrorLog.class);

    @Override
    public void errorOccurred(Connection conn, String error) {
        log.warn("NATS server error: {}", error);
    }

    @Override
    public void exceptionOccurred(Connection conn, Exception exp) {
        log.debug("NATS connection: {}", exp.toString());
    }

    /** Told of each consumer NATS starts dropping messages for (one call per overflow, not per message). */
    volatile java.util.function.Consumer<Consumer> onSlowConsumer = c -> { };

    @Override
    public void slowConsumerDetected(Connection conn, Consumer consumer) {
        log.warn("NATS slow consumer: messages dropped for {}", consumer);
        onSlowConsumer.accept(consumer);
    }
}
