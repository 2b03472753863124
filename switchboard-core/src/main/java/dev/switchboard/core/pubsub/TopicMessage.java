package dev.switchboard.core.pubsub;

import dev.switchboard.core.session.SessionEvent;
import dev.switchboard.protocol.PayloadFields;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A published message as a {@code topic.subscribe}r sees it: the {@code message} event,
 * {@code {"op":"message","topic":…,"offset":n,"epoch":…,payload,"seq":n}}. One object per publish
 * (made by its {@link Signal}), shared by every topic subscriber like the signal itself. The
 * offset is 0 and the epoch absent when the topic keeps no history.
 */
public final class TopicMessage implements SessionEvent {
    private final Signal signal;

    TopicMessage(Signal signal) {
        this.signal = signal;
    }

    public Signal signal() {
        return signal;
    }

    @Override
    public String op() {
        return "message";
    }

    @Override
    public Map<String, Object> message(long seq) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("op", "message");
        m.put("topic", signal.channel());
        m.put("offset", signal.position().offset());
        if (!signal.position().isNone()) m.put("epoch", signal.position().epoch());
        PayloadFields.put(m, signal.payload());
        if (seq > 0) m.put("seq", seq);
        return m;
    }

    @Override
    public long sizeEstimate() {
        return 110 + signal.channel().length() + signal.position().epoch().length() + signal.payload().size() * 4L / 3;
    }
}
