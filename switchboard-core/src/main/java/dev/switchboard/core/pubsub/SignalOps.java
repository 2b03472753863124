package dev.switchboard.core.pubsub;

import dev.switchboard.core.session.Permissions;
import dev.switchboard.protocol.Subjects;
import dev.switchboard.core.Dispatcher;
import dev.switchboard.core.identity.Permission;
import dev.switchboard.core.session.Session;
import dev.switchboard.protocol.ErrorCode;
import dev.switchboard.protocol.Frame;
import dev.switchboard.protocol.Payload;
import dev.switchboard.protocol.ProtocolException;
import dev.switchboard.protocol.Reply;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * dflockd's signals ({@code signal.listen}, {@code signal.unlisten}, {@code signal.publish}):
 * fire-and-forget messages on NATS-style channels, delivered to whoever listens at that moment.
 */
public final class SignalOps {
    /** dflockd caps a pushed line, {@code sig <channel> <payload>}, at 64 KiB. */
    public static final int MAX_PUSH_LINE = 64 * 1024;
    /**
     * A queue group name is kept for as long as its subscription and echoed in every {@code stats},
     * so it is bounded like a key. dflockd's line protocol cannot send more (its lines hold 256 bytes).
     */
    public static final int MAX_GROUP_BYTES = Frame.MAX_KEY_BYTES;

    private final Broker broker;
    /** Null: {@code signal.publish} counts this node only; else the wait of {@link Broker#publishCounted}. */
    private final java.time.Duration countWait;

    /** The native protocols' signals: the delivered count is this node's, answered at once. */
    public SignalOps(Broker broker) {
        this(broker, null);
    }

    /**
     * dflockd's signals: {@code ok N} counts, in a cluster, the other nodes' deliveries reported within
     * {@code countWait} too ({@link Broker#publishCounted}); zero or null counts this node only.
     */
    public SignalOps(Broker broker, java.time.Duration countWait) {
        this.broker = broker;
        this.countWait = countWait == null || countWait.isZero() || countWait.isNegative() ? null : countWait;
    }

    public void registerWith(Dispatcher dispatcher) {
        dispatcher.register("signal.listen", req -> {
            Session s = req.session();
            Frame f = req.frame();
            String pattern = pattern(f);
            Permissions.require(s, Permission.SUBSCRIBE, pattern);
            broker.subscribe(s, pattern, group(f)).whenComplete((result, err) -> {
                if (err != null) {
                    // Only a cluster engine fails, when its cluster is out of reach; the subscription then
                    // works on this node (see Broker#subscribe), and a retry answers ok.
                    req.reply(Reply.error(ErrorCode.INTERNAL, "subscribe failed: " + err));
                } else if (!result.listening()) {
                    req.reply(Reply.error(ErrorCode.MAX_SUBSCRIPTIONS, "max subscriptions reached"));
                } else {
                    req.reply(Reply.ok(Map.of()));
                }
            });
        });
        dispatcher.register("signal.unlisten", req -> {
            Session s = req.session();
            Frame f = req.frame();
            broker.unsubscribe(s, pattern(f), group(f)).whenComplete((done, err) -> req.reply(err != null
                    ? Reply.error(ErrorCode.INTERNAL, "unsubscribe failed: " + err) : Reply.ok(Map.of())));
        });
        dispatcher.register("signal.publish", req -> {
            Frame f = req.frame();
            String channel = f.key("channel");
            String problem = Subjects.channelError(channel);
            if (problem != null) throw invalid("channel: " + problem);
            Permissions.require(req.session(), Permission.PUBLISH, channel);
            Payload payload = f.payload("payload");
            if (payload.utf8().isBlank()) throw invalid("payload must not be empty");
            int room = MAX_PUSH_LINE - "sig ".length() - channel.getBytes(StandardCharsets.UTF_8).length - 1;
            if (payload.size() > room) {
                throw invalid("payload is too long: at most " + room + " bytes on this channel (the pushed line "
                        + "'sig <channel> <payload>' must fit in " + MAX_PUSH_LINE + " bytes with its line break)");
            }
            if (payload.contains((byte) '\n')) throw invalid("payload must not contain a line break");
            // dflockd's "ok N": N is the delivered count as Broker#publish (one node) or
            // Broker#publishCounted (a cluster) defines it.
            (countWait == null ? broker.publish(channel, payload) : broker.publishCounted(channel, payload, countWait)).whenComplete((result, err) -> req.reply(err != null
                    ? Reply.error(ErrorCode.INTERNAL, "publish failed: " + err)
                    : Reply.ok(Map.of("delivered", (long) result.delivered()))));
        });
    }

    /** A subscription pattern field: a key whose tokens may be {@code *} or a last {@code >}. */
    public static String pattern(Frame f) {
        String pattern = f.key("pattern");
        String problem = Subjects.patternError(pattern);
        if (problem != null) throw invalid("pattern: " + problem);
        return pattern;
    }

    /** A queue group field: {@code ""} when absent, else a bounded name without control characters. */
    public static String group(Frame f) {
        String group = f.optionalString("group", "").strip();
        if (group.length() > MAX_GROUP_BYTES / 3 && group.getBytes(StandardCharsets.UTF_8).length > MAX_GROUP_BYTES) {
            throw invalid("group must be at most " + MAX_GROUP_BYTES + " bytes");
        }
        for (int i = 0; i < group.length(); i++) {
            if (Character.isISOControl(group.charAt(i))) throw invalid("group must not contain control characters");
        }
        return group;
    }

    static ProtocolException invalid(String message) {
        return new ProtocolException(ErrorCode.INVALID_ARGUMENT, message);
    }
}
