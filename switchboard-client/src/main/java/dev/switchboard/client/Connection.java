package dev.switchboard.client;

import dev.switchboard.protocol.json.CompactJson;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import dev.switchboard.protocol.json.Framing;
import dev.switchboard.protocol.json.JsonMessageEncoder;
import dev.switchboard.protocol.json.JsonWritable;
import io.netty.buffer.ByteBuf;
import tools.jackson.core.JsonGenerator;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import tools.jackson.databind.JsonNode;

/**
 * One native-protocol connection: numbers requests, matches answers to them, enforces request
 * timeouts and fails everything in flight when the channel goes away. Knows nothing about
 * locks; {@link LockRequests} and the other request classes build the messages.
 */
final class Connection {
    /** What the client learns from a connection besides answers: events, and its end. */
    interface Listener {
        /** A server event with no id (a {@code signal}, later other kinds); on the I/O thread. */
        void onEvent(Connection connection, JsonNode event);

        /**
         * The connection ended; called on the I/O thread before the requests in flight fail and
         * before {@link #closeFuture()} completes, so that whoever sees either already sees the
         * client's reaction (a reconnect under way).
         */
        void onLost(Connection connection, ConnectionClosedException cause);
    }

    private final Listener listener;
    private final int maxInboundFrameBytes;
    private final PendingRequests pending = new PendingRequests();
    // Ids start at 1; NO_ID marks a message sent without one.
    private static final long NO_ID = 0;
    private final AtomicLong nextId = new AtomicLong(1);
    private final List<Consumer<ConnectionClosedException>> closeListeners = new CopyOnWriteArrayList<>();
    private final CompletableFuture<ConnectionClosedException> closed = new CompletableFuture<>();
    private volatile Channel channel;
    private volatile OutboundWriter writer;
    private volatile ClientHandler handler;
    // The error the server sent without an id just before closing (heartbeat_timeout, draining,
    // max_connections...). It becomes the cause of the ConnectionClosedException, so callers
    // learn why and not just that the connection ended.
    private volatile SwitchboardException serverError;

    Connection(int maxInboundFrameBytes, Listener listener) {
        this.maxInboundFrameBytes = maxInboundFrameBytes;
        this.listener = listener;
    }

    void initChannel(Channel ch) {
        this.channel = ch;
        this.writer = new OutboundWriter(ch);
        if (ch.eventLoop() instanceof CallerDrivenEventLoop driven) {
            driven.answersAwaited(pending::answersDueToNoCaller); // the connection in use is the newest
        }
        // Always lines: the first byte, '{', is what makes the server pick the native line
        // protocol. Outgoing messages are encoded by request() and written by the writer, so the
        // pipeline only reads.
        this.handler = new ClientHandler(this, maxInboundFrameBytes);
        ch.pipeline().addLast("client", handler);
    }

    /**
     * Sends a request and returns its answer: the {@code result} of a {@code reply}, or the whole
     * message for {@code welcome}/{@code pong}. An {@code error} answer fails the future with the
     * typed exception. The request is encoded and written on the calling thread (see
     * {@link OutboundWriter}); the answer completes the future on the I/O thread.
     *
     * @param timeout client-side limit; null = none
     * @param callerWaits the caller blocks on the answer and enforces {@code timeout} itself
     *        ({@link Futures#await(CompletableFuture, EventLoop, Duration, String)}): no timer is
     *        scheduled, which would be a task for the event loop from this thread
     * @param onLateResult sees a result that arrives after the caller stopped waiting; null = drop it
     */
    CompletableFuture<Answer> request(Outgoing msg, Duration timeout, boolean callerWaits, Consumer<Answer> onLateResult) {
        long id = nextId.getAndIncrement();
        msg.assigned(id); // before the write: a stream's first chunk may come right after it
        PendingRequests.Pending p = pending.register(id, onLateResult, callerWaits);
        // Registered before this check, so either onInactive's failAll sees the entry or we see
        // the closed flag: a request can never be left waiting on a dead connection.
        if (closed.isDone()) {
            pending.fail(id, closed.join());
            return p.future;
        }
        Channel ch = channel;
        if (timeout != null && !callerWaits) {
            // Before the write, so that the answer cannot come first and leave the deadline behind.
            try {
                pending.expireAfter(p, msg.op(), timeout, ch.eventLoop());
            } catch (RejectedExecutionException e) {
                pending.fail(id, new ConnectionClosedException("the client is closed", e));
                return p.future;
            }
        }
        try {
            writer.write(out -> encode(out, id, msg), cause -> pending.fail(id,
                    new ConnectionClosedException("could not send " + msg.op(), cause)));
        } catch (RuntimeException e) {
            pending.fail(id, new SwitchboardException("internal", "could not encode " + msg.op() + ": " + e, e));
            return p.future;
        }
        if (!callerWaits && ch.eventLoop() instanceof CallerDrivenEventLoop driven) {
            driven.readerNeeded(); // nobody blocks on this answer: make sure someone reads it
        }
        return p.future;
    }

    /**
     * The message as one framed line: {@code op}, the id, then the message's own fields, in one
     * pass; plain fields without a generator ({@link Outgoing#writeCompactFields}).
     */
    static void encode(ByteBuf out, long id, Outgoing msg) {
        String op = msg.op();
        if (CompactJson.isPlain(op)) {
            CompactJson compact = new CompactJson();
            compact.stringField("op", op);
            if (id != NO_ID) {
                compact.numberField("id", id);
            }
            if (msg.writeCompactFields(compact)) {
                compact.endObject(0);
                compact.rawByte('\n');
                compact.writeTo(out);
                return;
            }
        }
        encodeWithGenerator(out, id, msg);
    }

    /** The message as {@link #encode} writes it, every field through the streaming generator. */
    static void encodeWithGenerator(ByteBuf out, long id, Outgoing msg) {
        String op = msg.op();
        JsonMessageEncoder.encode(new JsonWritable() {
            @Override
            public void writeJson(JsonGenerator g) {
                g.writeStartObject();
                g.writeStringProperty("op", op);
                if (id != NO_ID) {
                    g.writeNumberProperty("id", id);
                }
                msg.writeFields(g);
                g.writeEndObject();
            }

            @Override
            public boolean plainValuesOnly() {
                return msg.plainValuesOnly();
            }
        }, Framing.LINES, out);
    }

    /**
     * Closes the connection when the server has sent nothing for three heartbeat intervals. The
     * server pings whenever it has been quiet for one interval, so that much silence means the
     * peer or the path to it is gone (a half-open TCP connection gives no other sign), and
     * failing the requests in flight now beats letting them wait for their timeouts.
     */
    void watchHeartbeats(Duration heartbeat) {
        if (heartbeat.isZero() || heartbeat.isNegative()) {
            return;
        }
        Channel ch = channel;
        long silenceMs = heartbeat.toMillis() * 3;
        ch.eventLoop().execute(() -> {
            if (ch.isActive()) {
                handler.watchSilence(silenceMs);
            }
        });
    }

    void onHeartbeatTimeout() {
        serverError = new SwitchboardException("heartbeat_timeout", "nothing received from the server for three heartbeat intervals");
        channel.close();
    }

    /** Sends a message that gets no answer (a heartbeat pong). */
    void send(Outgoing msg) {
        Channel ch = channel;
        if (ch != null && ch.isActive()) {
            try {
                writer.write(out -> encode(out, NO_ID, msg), cause -> { });
            } catch (RuntimeException e) {
                org.slf4j.LoggerFactory.getLogger(Connection.class).warn("could not encode {}", msg.op(), e);
            }
        }
    }

    void onAnswer(JsonNode id, Answer result) {
        if (id != null && id.isIntegralNumber()) {
            onAnswer(id.asLong(), result);
        }
    }

    void onAnswer(long id, Answer result) {
        pending.complete(id, result);
    }

    void onEvent(JsonNode event) {
        listener.onEvent(this, event);
    }

    void onError(JsonNode id, SwitchboardException error) {
        if (id != null && id.isIntegralNumber()) {
            pending.fail(id.asLong(), error);
        } else {
            serverError = error;
        }
    }

    private final java.util.concurrent.atomic.AtomicBoolean inactive = new java.util.concurrent.atomic.AtomicBoolean();

    void onInactive() {
        SwitchboardException cause = serverError;
        ConnectionClosedException ex = new ConnectionClosedException(
                cause == null ? "connection closed" : "connection closed by the server: " + cause.getMessage(), cause);
        if (inactive.compareAndSet(false, true)) {
            writer.close();
            try {
                listener.onLost(this, ex);
            } catch (RuntimeException e) {
                org.slf4j.LoggerFactory.getLogger(Connection.class).warn("connection-lost handler threw", e);
            }
            // Fail what is in flight before the close becomes visible, so that whoever waits for
            // the close finds every request already answered.
            pending.connectionGone(ex);
            closed.complete(ex);
            for (Consumer<ConnectionClosedException> l : closeListeners) {
                l.accept(ex);
            }
        }
    }

    /** Fails every request in flight at once: the client is closing and will read no answer. */
    void failInFlight(ConnectionClosedException ex) {
        pending.failAll(ex);
    }

    void addCloseListener(Consumer<ConnectionClosedException> listener) {
        closeListeners.add(listener);
        // Added after the close already happened: tell it now rather than never.
        if (closed.isDone() && closeListeners.remove(listener)) {
            listener.accept(closed.join());
        }
    }

    void removeCloseListener(Consumer<ConnectionClosedException> listener) {
        closeListeners.remove(listener);
    }

    /** True once the connection has ended (its requests in flight have failed). */
    boolean isClosed() {
        return closed.isDone();
    }

    boolean isOpen() {
        Channel ch = channel;
        return ch != null && ch.isActive() && !closed.isDone();
    }

    CompletableFuture<ConnectionClosedException> closeFuture() {
        return closed;
    }

    EventLoop eventLoop() {
        return channel.eventLoop();
    }

    boolean inEventLoop() {
        Channel ch = channel;
        return ch != null && ch.eventLoop().inEventLoop();
    }

    /** Closes the channel; in-flight requests fail through {@link #onInactive()}. */
    CompletableFuture<Void> close() {
        CompletableFuture<Void> done = new CompletableFuture<>();
        Channel ch = channel;
        if (ch == null) {
            done.complete(null);
            return done;
        }
        ch.close().addListener(f -> done.complete(null));
        return done;
    }
}
