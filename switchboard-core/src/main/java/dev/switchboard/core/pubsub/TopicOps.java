package dev.switchboard.core.pubsub;

import dev.switchboard.core.session.Permissions;
import dev.switchboard.protocol.Subjects;
import dev.switchboard.core.Dispatcher;
import dev.switchboard.core.identity.Permission;
import dev.switchboard.core.session.Request;
import dev.switchboard.core.session.Session;
import dev.switchboard.protocol.ErrorCode;
import dev.switchboard.protocol.Frame;
import dev.switchboard.protocol.Payload;
import dev.switchboard.protocol.PayloadFields;
import dev.switchboard.protocol.Reply;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The native publish/subscribe operations ({@code topic.subscribe}, {@code topic.unsubscribe},
 * {@code topic.publish}, {@code topic.history}) on the same topic tree as dflockd's signals.
 * A topic subscriber gets each message as a {@code message} event (see {@link TopicMessage}),
 * with its offset and epoch when the topic keeps a history.
 */
public final class TopicOps {
    /** Most messages one {@code topic.history} answer holds; a reader pages on with {@code since}. */
    public static final int MAX_HISTORY_PAGE = 1000;
    /** About how many payload bytes one {@code topic.history} answer holds (at least one message). */
    public static final long MAX_HISTORY_PAGE_BYTES = 512 * 1024;

    /** Most peer ids one {@code topic.presence} lists: the list is for small topics; the count is always exact. */
    public static final int MAX_PRESENCE_MEMBERS = 100;

    private final Broker broker;

    public TopicOps(Broker broker) {
        this.broker = broker;
    }

    public void registerWith(Dispatcher dispatcher) {
        dispatcher.register("topic.subscribe", this::subscribe);
        dispatcher.register("topic.unsubscribe", req -> {
            Frame f = req.frame();
            broker.unsubscribe(req.session().topicSubscriber(), SignalOps.pattern(f), SignalOps.group(f))
                    .whenComplete((done, err) -> req.reply(err != null
                            ? Reply.error(ErrorCode.INTERNAL, "unsubscribe failed: " + err) : Reply.ok(Map.of())));
        });
        dispatcher.register("topic.publish", this::publish);
        dispatcher.register("topic.history", this::history);
        dispatcher.register("topic.presence", this::presence);
    }

    /**
     * {@code topic.presence}: how many subscriptions a topic (or a pattern, as subscribed) has,
     * from the broker's count, and with {@code list: true} the peer ids of up to
     * {@value #MAX_PRESENCE_MEMBERS} of their sessions.
     */
    private void presence(Request req) {
        Frame f = req.frame();
        String topic = f.key("topic");
        String problem = Subjects.patternError(topic);
        if (problem != null) throw SignalOps.invalid("topic: " + problem);
        Permissions.require(req.session(), Permission.SUBSCRIBE, topic);
        boolean list = f.has("list") && Boolean.TRUE.equals(f.value("list"));
        TopicPresence p = broker.presence(topic, list ? MAX_PRESENCE_MEMBERS : 0);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("count", (long) p.count());
        if (list) {
            List<String> members = new ArrayList<>();
            for (Subscriber s : p.members()) if (s.peerId() != null) members.add(s.peerId());
            out.put("members", members);
        }
        req.reply(Reply.ok(out));
    }

    private void subscribe(Request req) {
        Session s = req.session();
        Frame f = req.frame();
        String pattern = SignalOps.pattern(f);
        String group = SignalOps.group(f);
        Since since = since(f);
        if (since != null && Subjects.channelError(pattern) != null) {
            throw SignalOps.invalid("since needs a literal topic: offsets belong to one topic, not to a pattern");
        }
        Permissions.require(s, Permission.SUBSCRIBE, pattern);
        broker.subscribe(s.topicSubscriber(), pattern, group, since).whenComplete((p, err) -> {
            if (err != null) {
                req.reply(Reply.error(ErrorCode.INTERNAL, "subscribe failed: " + err));
            } else if (!p.subscribe().listening()) {
                req.reply(Reply.error(ErrorCode.MAX_SUBSCRIPTIONS, "max subscriptions reached"));
            } else {
                Map<String, Object> out = position(p);
                if (!p.recovered()) out.put("first_offset", p.firstOffset());
                req.reply(Reply.ok(out));
            }
        });
    }

    private void publish(Request req) {
        Frame f = req.frame();
        String topic = topic(f);
        Permissions.require(req.session(), Permission.PUBLISH, topic);
        Payload payload = PayloadFields.read(f);
        broker.publish(topic, payload).whenComplete((r, err) -> {
            if (err != null) {
                req.reply(Reply.error(ErrorCode.INTERNAL, "publish failed: " + err));
                return;
            }
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("delivered", (long) r.delivered());
            boolean kept = broker.keepsHistory(topic);
            out.put("offset", kept ? r.position().offset() : 0L);
            if (kept) out.put("epoch", r.position().epoch());
            req.reply(Reply.ok(out));
        });
    }

    private void history(Request req) {
        Frame f = req.frame();
        String topic = topic(f);
        int limit = (int) f.optionalNumber("limit", 1, MAX_HISTORY_PAGE, MAX_HISTORY_PAGE);
        Since since = since(f);
        Permissions.require(req.session(), Permission.SUBSCRIBE, topic);
        broker.history(topic, since, limit).whenComplete((p, err) -> {
            if (err != null) {
                req.reply(Reply.error(ErrorCode.INTERNAL, "history failed: " + err));
                return;
            }
            List<Map<String, Object>> messages = new ArrayList<>();
            long bytes = 0;
            for (Signal m : p.messages()) {
                if (!messages.isEmpty() && bytes + m.payload().size() > MAX_HISTORY_PAGE_BYTES) break;
                bytes += m.payload().size();
                Map<String, Object> one = new LinkedHashMap<>();
                one.put("offset", m.position().offset());
                PayloadFields.put(one, m.payload());
                messages.add(one);
            }
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("messages", messages);
            out.putAll(position(p));
            req.reply(Reply.ok(out));
        });
    }

    private static Map<String, Object> position(TopicPosition p) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("recovered", p.recovered());
        out.put("epoch", p.epoch());
        out.put("offset", p.offset());
        return out;
    }

    /** A literal topic: publishing to a wildcard is {@code invalid_argument}. */
    private static String topic(Frame f) {
        String topic = f.key("topic");
        String problem = Subjects.channelError(topic);
        if (problem != null) throw SignalOps.invalid("topic: " + problem);
        return topic;
    }

    /** The optional {@code since: {"offset": n, "epoch": "…"}}. */
    private static Since since(Frame f) {
        if (!f.has("since")) return null;
        if (!(f.value("since") instanceof Map<?, ?> m)) throw SignalOps.invalid("since must be an object {offset, epoch}");
        @SuppressWarnings("unchecked")
        Frame since = new Frame("since", null, (Map<String, Object>) m);
        long offset = since.optionalNumber("offset", 0, Long.MAX_VALUE, 0);
        String epoch = since.optionalString("epoch", "");
        if (epoch.length() > 64) throw SignalOps.invalid("since.epoch must be at most 64 characters");
        return new Since(offset, epoch);
    }
}
