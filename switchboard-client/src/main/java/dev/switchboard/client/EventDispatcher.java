package dev.switchboard.client;

import dev.switchboard.protocol.Ops;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;

/**
 * Hands server events and connection state changes to the application's listeners. Signals and
 * state events run on the callback executor, one at a time and in order; {@code lock.lost} goes
 * to the {@link Lock}s on the I/O thread.
 */
final class EventDispatcher {
    private static final Logger log = LoggerFactory.getLogger(EventDispatcher.class);

    private final SessionState session;
    private final SerialExecutor events;
    private final List<Consumer<ConnectionEvent>> stateListeners;
    private final List<Consumer<Signal>> signalListeners;
    private final List<Consumer<JsonNode>> lockLostListeners = new CopyOnWriteArrayList<>();
    private final List<Consumer<Notification>> notificationListeners = new CopyOnWriteArrayList<>();
    private final List<Consumer<PeerMessage>> peerMessageListeners = new CopyOnWriteArrayList<>();
    private volatile Consumer<JsonNode> requestHandler = e -> { };
    private volatile Consumer<JsonNode> messageHandler = e -> { };
    private volatile Consumer<JsonNode> chunkHandler = e -> { };
    private volatile Consumer<JsonNode> tokenExpiringHandler = e -> { };
    private volatile Consumer<JsonNode> presenceHandler = e -> { };
    private volatile Consumer<JsonNode> receiptHandler = e -> { };
    private volatile Consumer<PeerMessage> peerMessageHandled = m -> { };
    private volatile Runnable gapHandler = () -> { };

    EventDispatcher(SessionState session, ClientSettings settings) {
        this.session = session;
        this.events = new SerialExecutor(settings.callbackExecutor());
        this.stateListeners = new CopyOnWriteArrayList<>(settings.stateListeners());
        this.signalListeners = new CopyOnWriteArrayList<>(settings.signalListeners());
    }

    void addStateListener(Consumer<ConnectionEvent> listener) {
        stateListeners.add(Objects.requireNonNull(listener, "listener"));
    }

    void removeStateListener(Consumer<ConnectionEvent> listener) {
        stateListeners.remove(listener);
    }

    void addSignalListener(Consumer<Signal> listener) {
        signalListeners.add(Objects.requireNonNull(listener, "listener"));
    }

    void removeSignalListener(Consumer<Signal> listener) {
        signalListeners.remove(listener);
    }

    void addNotificationListener(Consumer<Notification> listener) {
        notificationListeners.add(Objects.requireNonNull(listener, "listener"));
    }

    void removeNotificationListener(Consumer<Notification> listener) {
        notificationListeners.remove(listener);
    }

    /** Who takes {@code rpc.request} events (on the I/O thread). */
    void onRequests(Consumer<JsonNode> handler) {
        this.requestHandler = handler;
    }

    void addPeerMessageListener(Consumer<PeerMessage> listener) {
        peerMessageListeners.add(Objects.requireNonNull(listener, "listener"));
    }

    void removePeerMessageListener(Consumer<PeerMessage> listener) {
        peerMessageListeners.remove(listener);
    }

    /** Where {@code relay.receipt} events go (on the I/O thread). */
    void onReceipts(Consumer<JsonNode> handler) {
        this.receiptHandler = handler;
    }

    /** Told (on the I/O thread) when the server dropped events of this session: a {@code gap} event. */
    void onGap(Runnable handler) {
        this.gapHandler = handler;
    }

    /** Told when the listeners have had a direct message that asked for a receipt. */
    void onPeerMessageHandled(Consumer<PeerMessage> handler) {
        this.peerMessageHandled = handler;
    }

    /** Who takes {@code presence} and {@code presence.resync} events (on the I/O thread). */
    void onPresence(Consumer<JsonNode> handler) {
        this.presenceHandler = handler;
    }

    /** Who takes topic {@code message} events (on the I/O thread). */
    void onMessages(Consumer<JsonNode> handler) {
        this.messageHandler = handler;
    }

    /** Who takes {@code rpc.chunk} events of streams (on the I/O thread). */
    void onChunks(Consumer<JsonNode> handler) {
        this.chunkHandler = handler;
    }

    /** Who takes {@code token.expiring} events (on the I/O thread). */
    void onTokenExpiring(Consumer<JsonNode> handler) {
        this.tokenExpiringHandler = handler;
    }

    /** Runs {@code task} on the callback executor after every listener call queued before it. */
    void inOrder(Runnable task) {
        events.execute(task);
    }

    void addLockLostListener(Consumer<JsonNode> listener) {
        lockLostListeners.add(listener);
    }

    void removeLockLostListener(Consumer<JsonNode> listener) {
        lockLostListeners.remove(listener);
    }

    // On the loop, for an event read on the connection in use.
    void onEvent(JsonNode event) {
        JsonNode seqNode = event.get("seq");
        long seq = 0;
        if (seqNode != null && seqNode.isIntegralNumber()) {
            seq = seqNode.asLong();
            if (!session.advance(seq)) {
                return; // delivered already (a replay overlapping what we had)
            }
        }
        String op = event.path("op").asString("");
        if (Ops.SIGNAL.equals(op)) {
            Signal signal = new Signal(event.path("channel").asString(""), event.path("payload").asString(""), seq);
            deliver(signalListeners, signal, "signal");
        } else if (Ops.LOCK_LOST.equals(op)) {
            // The server took a slot back (its lease ran out, or a restart could not keep it).
            for (Consumer<JsonNode> l : lockLostListeners) {
                l.accept(event);
            }
        } else if ("message".equals(op)) {
            messageHandler.accept(event);
        } else if ("rpc.request".equals(op)) {
            requestHandler.accept(event);
        } else if (Ops.TOKEN_EXPIRING.equals(op)) {
            tokenExpiringHandler.accept(event);
        } else if ("rpc.chunk".equals(op)) {
            chunkHandler.accept(event);
        } else if ("relay.message".equals(op)) {
            JsonNode ackId = event.get("ack_id");
            PeerMessage message = new PeerMessage(event.path("from").asString(""), PayloadNodes.readOrEmpty(event), seq,
                    ackId != null && ackId.isString() ? ackId.asString() : null);
            // A receipt is owed once the listeners have had the message.
            deliver(peerMessageListeners, message, "peer message",
                    message.ackId() == null ? null : () -> peerMessageHandled.accept(message));
        } else if ("relay.receipt".equals(op)) {
            receiptHandler.accept(event);
        } else if (Ops.GAP.equals(op)) {
            gapHandler.run();
        } else if ("presence".equals(op) || "presence.resync".equals(op)) {
            presenceHandler.accept(event);
        } else if ("notify".equals(op)) {
            deliver(notificationListeners, new Notification(event.path("name").asString(""),
                    PayloadNodes.readOrEmpty(event), seq), "notification");
        } else {
            log.debug("ignoring event {}", event.path("op").asString("?"));
        }
    }

    void emit(ConnectionEvent event) {
        deliver(stateListeners, event, "state");
    }

    /** Hands {@code item} to each listener in turn, on the callback executor; one that throws does not stop the others. */
    private <T> void deliver(List<Consumer<T>> listeners, T item, String kind) {
        deliver(listeners, item, kind, null);
    }

    /** As {@link #deliver(List, Object, String)}, then runs {@code after} (if any) once every listener has had it. */
    private <T> void deliver(List<Consumer<T>> listeners, T item, String kind, Runnable after) {
        if (listeners.isEmpty()) {
            if (after != null) {
                after.run();
            }
            return;
        }
        events.execute(() -> {
            for (Consumer<T> l : listeners) {
                try {
                    l.accept(item);
                } catch (RuntimeException e) {
                    log.warn("{} listener threw", kind, e);
                }
            }
            if (after != null) {
                after.run();
            }
        });
    }
}
