package dev.switchboard.server.webhook;

import dev.switchboard.core.rpc.RpcAnswers;
import dev.switchboard.core.rpc.RpcCall;
import dev.switchboard.core.rpc.RpcTarget;
import dev.switchboard.core.rpc.RpcTracker;
import dev.switchboard.core.time.NodeClock;
import dev.switchboard.protocol.ErrorCode;
import dev.switchboard.protocol.Frame;
import dev.switchboard.protocol.PayloadFields;
import dev.switchboard.protocol.ProtocolException;
import dev.switchboard.protocol.Reply;
import dev.switchboard.server.transport.JsonSupport;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * HTTP webhooks as a target of request/reply: third in the lookup order, after in-process
 * handlers and backends. A call to a name matching a {@code --rpc-webhook} rule is POSTed to its
 * URL as JSON, and the response is its outcome: a 2xx body {@code {"payload":…}} is the result,
 * {@code {"error":{…}}} an application error; any other status, an unusable body or a failed
 * connection is {@code webhook_failed}; no response by the call's deadline is {@code timeout}.
 */
public final class WebhookTarget implements RpcTarget {
    /** The outcomes counted in {@code switchboard_webhook_requests_total{outcome}}. */
    public static final List<String> OUTCOMES = List.of("result", "application_error", "webhook_failed", "timeout",
            "too_many_requests", "notified");
    /** How much of a failed webhook's response body its caller is shown. */
    static final int BODY_EXCERPT_CHARS = 200;

    private final List<WebhookRule> rules;
    private final OutboundHttp http;
    private final RpcTracker tracker;
    private final NodeClock clock;
    private final Duration notifyTimeout;
    private final Map<String, LongAdder> outcomes = new ConcurrentHashMap<>();

    /** @param notifyTimeout how long a notify's POST may take (a notify has no deadline of its own) */
    public WebhookTarget(List<WebhookRule> rules, OutboundHttp http, RpcTracker tracker, NodeClock clock,
                         Duration notifyTimeout) {
        this.rules = List.copyOf(rules);
        this.http = http;
        this.tracker = tracker;
        this.clock = clock;
        this.notifyTimeout = notifyTimeout;
        for (String o : OUTCOMES) outcomes.put(o, new LongAdder());
    }

    @Override
    public boolean call(RpcCall call) {
        WebhookRule rule = ruleFor(call.name());
        if (rule == null) return false;
        long leftMs = call.timeLeftMs(clock);
        Map<String, Object> body = body(call);
        body.put("timeout_ms", leftMs);
        http.postJson(rule.url(), JsonSupport.write(body), Duration.ofMillis(leftMs)).whenComplete((response, err) -> {
            Reply outcome = err != null ? failure(rule, unwrap(err), leftMs) : outcome(rule, response);
            count(outcome); // how the request went, whether or not the call's deadline came first
            tracker.complete(call, outcome);
        });
        return true;
    }

    @Override
    public boolean notify(RpcCall notice) {
        WebhookRule rule = ruleFor(notice.name());
        if (rule == null) return false;
        Map<String, Object> body = body(notice);
        body.put("notify", true);
        // Fire-and-forget: the response is read only to count how the POST went.
        http.postJson(rule.url(), JsonSupport.write(body), notifyTimeout).whenComplete((response, err) ->
                count(err != null ? failure(rule, unwrap(err), notifyTimeout.toMillis())
                        : response.ok() ? null : outcome(rule, response)));
        return true;
    }

    private WebhookRule ruleFor(String name) {
        for (WebhookRule r : rules) {
            if (r.matches(name)) return r;
        }
        return null;
    }

    /** {@code {"rid","name",payload,"caller":{"session","transport"}}}; a notify has no rid. */
    private static Map<String, Object> body(RpcCall call) {
        Map<String, Object> b = new LinkedHashMap<>();
        if (call.rid() != null) b.put("rid", call.rid());
        b.put("name", call.name());
        PayloadFields.put(b, call.payload());
        Map<String, Object> caller = call.callerFields();
        if (caller != null) b.put("caller", caller);
        return b;
    }

    /** The outcome a whole response gives. */
    private static Reply outcome(WebhookRule rule, OutboundHttp.Response response) {
        if (!response.ok()) {
            return failed("the webhook for " + rule.pattern() + " answered HTTP " + response.status() + excerpt(response.body()));
        }
        Object value;
        try {
            value = JsonSupport.MAPPER.readValue(response.body(), Object.class);
        } catch (RuntimeException e) {
            return failed("the webhook for " + rule.pattern() + " answered HTTP " + response.status()
                    + " with a body that is not JSON" + excerpt(response.body()));
        }
        if (value instanceof Map<?, ?> m) {
            @SuppressWarnings("unchecked")
            Frame answer = new Frame("webhook", null, (Map<String, Object>) m);
            if (RpcAnswers.present(answer)) {
                try {
                    return RpcAnswers.read(answer);
                } catch (ProtocolException e) {
                    return failed("the webhook for " + rule.pattern() + " answered HTTP " + response.status()
                            + " with an unusable answer: " + e.getMessage());
                }
            }
        }
        return failed("the webhook for " + rule.pattern() + " answered HTTP " + response.status()
                + " without {\"payload\":…} or {\"error\":{…}}" + excerpt(response.body()));
    }

    private static Reply failure(WebhookRule rule, Throwable err, long timeoutMs) {
        if (err instanceof OutboundHttpException e) {
            return switch (e.kind()) {
                case TIMEOUT -> RpcAnswers.timeout(timeoutMs);
                case TOO_MANY_IN_FLIGHT -> Reply.error(ErrorCode.TOO_MANY_REQUESTS,
                        "the server has its limit of webhook requests under way (--webhook-max-in-flight); try again later");
                case BAD_URL, CONNECT_FAILED, BAD_RESPONSE -> failed("the webhook for " + rule.pattern() + " failed: " + e.getMessage());
            };
        }
        return failed("the webhook for " + rule.pattern() + " failed");
    }

    private static Throwable unwrap(Throwable err) {
        return err instanceof java.util.concurrent.CompletionException && err.getCause() != null ? err.getCause() : err;
    }

    private static Reply failed(String message) {
        return Reply.error(ErrorCode.WEBHOOK_FAILED, message);
    }

    /** The start of a body for a message: enough to tell what went wrong, bounded, on one line. */
    static String excerpt(byte[] body) {
        if (body.length == 0) return "";
        String text = new String(body, 0, Math.min(body.length, BODY_EXCERPT_CHARS * 4), StandardCharsets.UTF_8)
                .replaceAll("\\s+", " ").strip();
        if (text.length() > BODY_EXCERPT_CHARS) text = text.substring(0, BODY_EXCERPT_CHARS) + "…";
        return ": " + text;
    }

    /** Counts an outcome; null for a notify's 2xx. */
    private void count(Reply outcome) {
        String o = outcome == null ? "notified" : !outcome.isError() ? "result"
                : outcome.error() == ErrorCode.APPLICATION ? "application_error" : outcome.error().wire();
        LongAdder a = outcomes.get(o);
        if (a != null) a.increment();
    }

    /** Webhook requests that ended with {@code outcome}, one of {@link #OUTCOMES}. */
    public long outcomes(String outcome) {
        LongAdder a = outcomes.get(outcome);
        return a == null ? 0 : a.sum();
    }
}
