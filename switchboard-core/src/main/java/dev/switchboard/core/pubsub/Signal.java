package dev.switchboard.core.pubsub;

import dev.switchboard.core.session.SessionEvent;
import dev.switchboard.protocol.Payload;
import dev.switchboard.protocol.PayloadFields;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.Function;

/**
 * One published message, made once per publish and handed to every subscriber. Each wire format
 * encodes it once ({@link #encoded}) and every connection of that format writes the same bytes
 * (with its own sequence number beside them where the format has one), so a publish to a thousand
 * subscribers costs one encode per format, not a thousand.
 */
public final class Signal implements SessionEvent {
    private static final int MAX_ENCODINGS = 8;
    private static final AtomicInteger nextSlot = new AtomicInteger();

    private final String channel;
    private final Payload payload;
    private final AtomicReferenceArray<Object> encodings = new AtomicReferenceArray<>(MAX_ENCODINGS);
    private final StreamPosition position;
    private volatile TopicMessage asMessage;

    public Signal(String channel, Payload payload) {
        this(channel, payload, StreamPosition.NONE);
    }

    /** A signal kept in its topic's history at {@code position} ({@link StreamPosition#NONE} when not kept). */
    public Signal(String channel, Payload payload, StreamPosition position) {
        this.channel = channel;
        this.payload = payload;
        this.position = position;
    }

    /** Where the message sits in its topic's history; {@link StreamPosition#NONE} when the topic keeps none. */
    public StreamPosition position() {
        return position;
    }

    /**
     * True when dflockd's line protocol can carry it as {@code sig <channel> <payload>}: text
     * without a line break, the whole line within {@link SignalOps#MAX_PUSH_LINE}. A dflockd
     * listener is skipped for any other message (see {@link Subscriber#accepts}).
     */
    public boolean fitsDflockdLine() {
        if (payload.kind() != Payload.Kind.TEXT || payload.size() == 0) return false;
        // The room signal.publish allows: "sig " + channel + " " + payload within the cap.
        long line = 4L + channel.length() * 3L + 1 + payload.size();
        if (line > SignalOps.MAX_PUSH_LINE
                && 4L + channel.getBytes(java.nio.charset.StandardCharsets.UTF_8).length + 1 + payload.size() > SignalOps.MAX_PUSH_LINE) {
            return false;
        }
        return !payload.contains((byte) '\n') && !payload.contains((byte) '\r');
    }

    /** The {@code message} event of this publish for topic subscribers: one object shared by all of them. */
    public TopicMessage asMessage() {
        TopicMessage m = asMessage;
        if (m == null) {
            m = new TopicMessage(this);
            asMessage = m;
        }
        return m;
    }

    public String channel() {
        return channel;
    }

    public Payload payload() {
        return payload;
    }

    /**
     * The signal in {@code encoding}'s form, computed by the first caller and shared by every later
     * one (two threads racing both compute the same value; either is kept).
     */
    @SuppressWarnings("unchecked")
    public <T> T encoded(Encoding<T> encoding) {
        Object v = encodings.get(encoding.slot);
        if (v == null) {
            v = encoding.encoder.apply(this);
            encodings.lazySet(encoding.slot, v);
        }
        return (T) v;
    }

    @Override
    public String op() {
        return "signal";
    }

    @Override
    public Map<String, Object> message(long seq) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("op", "signal");
        m.put("channel", channel);
        PayloadFields.put(m, payload); // bytes as payload_b64
        if (seq > 0) m.put("seq", seq);
        return m;
    }

    /** The same estimate as for any event: its keys and values, quotes and separators, and a 20-digit seq. */
    @Override
    public long sizeEstimate() {
        return 69 + channel.length() + payload.size();
    }

    /**
     * A form a wire format gives a signal (its bytes up to the per-connection part). Declare each as
     * a constant: there are at most eight.
     */
    public static final class Encoding<T> {
        private final int slot;
        private final Function<Signal, T> encoder;

        public Encoding(Function<Signal, T> encoder) {
            this.slot = nextSlot.getAndIncrement();
            if (slot >= MAX_ENCODINGS) throw new IllegalStateException("more than " + MAX_ENCODINGS + " signal encodings");
            this.encoder = encoder;
        }
    }
}
