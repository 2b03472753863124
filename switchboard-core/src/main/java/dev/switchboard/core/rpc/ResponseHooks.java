package dev.switchboard.core.rpc;

import dev.switchboard.core.pubsub.Broker;
import dev.switchboard.core.session.Session;
import dev.switchboard.core.session.SessionDirectory;
import dev.switchboard.protocol.ErrorCode;
import dev.switchboard.protocol.PayloadFields;
import dev.switchboard.protocol.ProtocolException;
import dev.switchboard.protocol.Reply;
import dev.switchboard.protocol.Subjects;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Response hooks ({@code reply_to} of {@code rpc.call}): a call whose outcome goes to another
 * session (an {@code rpc.result} event), to a topic (a published message) or to an HTTP URL (a
 * POST) instead of back to its caller, so that a long job pins no connection. A hook is checked
 * when the call is made (refused at once if it cannot be used) and given the call's one outcome
 * once; a delivery that fails then is counted and logged, never retried.
 */
public final class ResponseHooks {
    private static final Logger log = LoggerFactory.getLogger(ResponseHooks.class);

    /** The kinds of hook, as {@code switchboard_rpc_hook_deliveries_total{hook}} labels them. */
    public static final List<String> KINDS = List.of("session", "topic", "url");
    /** The outcomes of a delivery, as {@code switchboard_rpc_hook_deliveries_total{outcome}} labels them. */
    public static final List<String> OUTCOMES = List.of("delivered", "failed");

    /** Where URL hooks go out: the server's HTTP client, which also says which URLs may be used. */
    public interface UrlPoster {
        /** Null when {@code url} may be used as a hook, else why not (the call is refused {@code forbidden}). */
        String refusal(String url);

        /** POSTs {@code body} as JSON to {@code url}; the stage fails with the reason when there is no 2xx answer. */
        CompletionStage<?> post(String url, Map<String, Object> body);
    }

    /** A node that takes no URL hooks (the default: nothing in the allow list). */
    static final UrlPoster NO_URLS = new UrlPoster() {
        @Override
        public String refusal(String url) {
            return "this server allows no URL response hooks (--rpc-hook-url-allow)";
        }

        @Override
        public CompletionStage<?> post(String url, Map<String, Object> body) {
            throw new IllegalStateException("no URL hooks");
        }
    };

    /** One call's hook: where its outcome goes. */
    interface Hook {
        void deliver(RpcCall call, Reply outcome);
    }

    private final SessionDirectory sessions;
    private final Broker broker;
    private volatile UrlPoster urls = NO_URLS;
    private final Map<String, LongAdder> deliveries = new ConcurrentHashMap<>();

    ResponseHooks(SessionDirectory sessions, Broker broker) {
        this.sessions = sessions;
        this.broker = broker;
        for (String k : KINDS) for (String o : OUTCOMES) deliveries.put(k + "/" + o, new LongAdder());
    }

    void useUrls(UrlPoster poster) {
        this.urls = poster == null ? NO_URLS : poster;
    }

    /**
     * The hook {@code reply_to} names: {@code {"session":id}}, {@code {"topic":t}} or
     * {@code {"url":u}}, exactly one of them.
     *
     * @throws ProtocolException {@code invalid_argument} when it is malformed,
     *         {@code session_not_found} for a session that is not open, {@code forbidden} for a URL
     *         outside {@code --rpc-hook-url-allow}
     */
    Hook parse(Object replyTo) {
        if (!(replyTo instanceof Map<?, ?> m) || m.size() != 1) {
            throw invalid("reply_to must be an object with exactly one of session, topic or url");
        }
        Map.Entry<?, ?> e = m.entrySet().iterator().next();
        if (!(e.getValue() instanceof String target) || target.isEmpty()) {
            throw invalid("reply_to." + e.getKey() + " must be a non-empty string");
        }
        return switch (String.valueOf(e.getKey())) {
            case "session" -> sessionHook(target);
            case "topic" -> topicHook(target);
            case "url" -> urlHook(target);
            default -> throw invalid("reply_to must be an object with exactly one of session, topic or url");
        };
    }

    private Hook sessionHook(String id) {
        Session s = sessions.find(id);
        // Only a session that keeps its events can be told later, on whichever connection it has then.
        if (s == null || !s.policy().replay()) {
            throw new ProtocolException(ErrorCode.SESSION_NOT_FOUND, "reply_to: no open native session " + id);
        }
        return (call, outcome) -> {
            Session target = sessions.find(id);
            Map<String, Object> event = new LinkedHashMap<>();
            event.put("op", "rpc.result");
            event.putAll(body(call, outcome));
            counted("session", call, target != null && target.emit(event), "the session has ended");
        };
    }

    private Hook topicHook(String topic) {
        String problem = Subjects.channelError(topic);
        if (problem != null) throw invalid("reply_to.topic: " + problem);
        return (call, outcome) -> broker.publish(topic, PayloadFields.fromValue(body(call, outcome)))
                .whenComplete((r, err) -> counted("topic", call, err == null, String.valueOf(err)));
    }

    private Hook urlHook(String url) {
        UrlPoster poster = urls;
        String refused = poster.refusal(url);
        if (refused != null) throw new ProtocolException(ErrorCode.FORBIDDEN, "reply_to.url: " + refused);
        return (call, outcome) -> {
            CompletionStage<?> sent;
            try {
                sent = poster.post(url, body(call, outcome));
            } catch (RuntimeException e) {
                counted("url", call, false, e.getMessage());
                return;
            }
            sent.whenComplete((r, err) -> counted("url", call, err == null,
                    err == null ? "" : String.valueOf(err.getMessage())));
        };
    }

    /** What every hook gets: {@code {"rid","name","result":{payload}}} or {@code {…,"error":{code,message,…}}}. */
    static Map<String, Object> body(RpcCall call, Reply outcome) {
        Map<String, Object> b = new LinkedHashMap<>();
        b.put("rid", call.rid());
        b.put("name", call.name());
        if (outcome.isError()) {
            b.put("error", outcome.errorFields());
        } else {
            b.put("result", outcome.result());
        }
        return b;
    }

    private void counted(String kind, RpcCall call, boolean delivered, String why) {
        deliveries.get(kind + "/" + (delivered ? "delivered" : "failed")).increment();
        if (!delivered) log.info("the {} response hook of call {} ({}) was not delivered: {}", kind, call.rid(), call.name(), why);
    }

    /** Deliveries of {@code kind} (one of {@link #KINDS}) that ended with {@code outcome} (one of {@link #OUTCOMES}). */
    public long deliveries(String kind, String outcome) {
        LongAdder a = deliveries.get(kind + "/" + outcome);
        return a == null ? 0 : a.sum();
    }

    private static ProtocolException invalid(String message) {
        return new ProtocolException(ErrorCode.INVALID_ARGUMENT, message);
    }
}
