package dev.switchboard.server.transport.acomm;

import dev.switchboard.core.SwitchboardCore;
import dev.switchboard.protocol.Frame;
import dev.switchboard.protocol.Payload;
import dev.switchboard.protocol.PayloadFields;
import dev.switchboard.protocol.Reply;
import dev.switchboard.server.limits.Limit;
import dev.switchboard.server.limits.Limits;
import dev.switchboard.server.webhook.OutboundHttp;
import io.netty.channel.EventLoopGroup;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * acomm on one node (docs/messaging.md, "acomm"): acomm requests become request/reply calls, and
 * their outcomes go to the requests' response hooks; calls for the {@code --acomm-backend}
 * patterns go to backends written for acomm ({@link AcommBackends}). Bounds the responses owed to
 * hooks node-wide; each connection bounds its own requests ({@link AcommConnectionHandler}).
 */
public final class Acomm implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Acomm.class);

    /**
     * @param maxInFlight       requests one acomm connection may have whose outcome has not come ({@code --acomm-max-in-flight})
     * @param maxHookDeliveries Responses owed to response hooks node-wide, from a request's acknowledgement until its
     *                          Response is delivered or given up ({@code --acomm-max-hook-deliveries})
     * @param hookTimeout       the deadline of one delivery to a hook or one Request to an acomm backend
     *                          ({@code --acomm-hook-timeout-ms})
     * @param hookUrlAllow      URL prefixes a hook must start with ({@code --rpc-hook-url-allow})
     * @param backends          pattern → the socket of the acomm backend serving it ({@code --acomm-backend})
     * @param ownSocket         the node's Unix socket (where acomm backends send their Responses), or null
     * @param maxFrameBytes     the longest frame read from an acomm peer ({@code --max-frame-bytes})
     */
    public record Settings(int maxInFlight, int maxHookDeliveries, Duration hookTimeout, List<String> hookUrlAllow,
                           Map<String, String> backends, String ownSocket, int maxFrameBytes) {
    }

    private final Settings settings;
    private final SwitchboardCore core;
    private final AcommSender sender;
    private final OutboundHttp http;
    private final AcommBackends backends;
    private final Consumer<Limit> limitHits;
    private final AtomicInteger owed = new AtomicInteger();
    private final LongAdder requests = new LongAdder();
    private final LongAdder delivered = new LongAdder();
    private final LongAdder undelivered = new LongAdder();

    /**
     * @param http the node's outbound HTTP client (shared with webhooks and URL response hooks, so
     *             one bound, {@code --webhook-max-in-flight}, covers every POST the node makes)
     */
    public Acomm(Settings settings, SwitchboardCore core, EventLoopGroup group, dev.switchboard.server.transport.IoTransport io,
                 OutboundHttp http, Consumer<Limit> limitHits) {
        this.settings = settings;
        this.core = core;
        this.limitHits = limitHits;
        this.sender = new AcommSender(group, io, settings.maxFrameBytes());
        this.http = http;
        this.backends = new AcommBackends(settings, sender, core.rpc().tracker());
        if (!settings.backends().isEmpty()) core.rpc().addTarget(backends);
    }

    public Settings settings() {
        return settings;
    }

    AcommBackends backends() {
        return backends;
    }

    void limitHit(Limit limit) {
        limitHits.accept(limit);
    }

    /**
     * Makes {@code task} a request/reply call with {@code args} as its payload and the default
     * deadline, as a sessionless {@code rpc.call} (the same checks, targets and outcomes).
     */
    void call(String task, Object args, Consumer<Reply> outcome) {
        requests.increment();
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("op", "rpc.call");
        fields.put("name", task);
        fields.put(PayloadFields.TEXT_OR_JSON, args);
        core.nativeDispatcher().dispatch(null, new Frame("rpc.call", null, fields), outcome);
    }

    /** Takes one of the Responses owed to hooks; false (counted as a limit hit) when {@code maxHookDeliveries} are owed. */
    boolean reserveDelivery() {
        if (owed.incrementAndGet() > settings.maxHookDeliveries()) {
            owed.decrementAndGet();
            limitHit(Limits.ACOMM_MAX_HOOK_DELIVERIES);
            return false;
        }
        return true;
    }

    /** Delivers a Response to its hook, then gives back the place {@link #reserveDelivery} took. */
    void deliver(ResponseHook hook, byte[] response) {
        java.util.concurrent.CompletableFuture<String> sent;
        if (hook.unix()) {
            sent = sender.exchange(hook.socketPath(), response, settings.hookTimeout());
        } else {
            sent = http.postJson(hook.uri(), response, settings.hookTimeout()).thenApply(r -> r.ok() ? ""
                    : "the hook answered HTTP " + r.status());
        }
        sent.whenComplete((ackError, failure) -> {
            owed.decrementAndGet();
            String why = failure != null ? rootMessage(failure) : ackError;
            if (why.isEmpty()) {
                delivered.increment();
            } else {
                undelivered.increment();
                log.info("an acomm Response could not be delivered to {}: {}", hook, why);
            }
        });
    }

    /** The outcome of a call as acomm's Response: {@code error} ("code: message", or empty) and {@code result}. */
    static byte[] response(Object id, Reply outcome) {
        if (outcome.isError()) {
            return AcommWire.response(outcome.errorCode() + ": " + outcome.message(), id, null);
        }
        Object value = outcome.result().containsKey(PayloadFields.BASE64) ? outcome.result().get(PayloadFields.BASE64)
                : outcome.result().get(PayloadFields.TEXT_OR_JSON);
        Payload p = value instanceof Payload payload ? payload : PayloadFields.fromValue(value);
        return AcommWire.response("", id, AcommWire.json(p));
    }

    static String rootMessage(Throwable t) {
        while (t instanceof java.util.concurrent.CompletionException && t.getCause() != null) t = t.getCause();
        return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    }

    /** acomm requests taken (acknowledged without an error). */
    public long requests() {
        return requests.sum();
    }

    /** Responses delivered to their hooks ({@code true}) or given up ({@code false}). */
    public long deliveries(boolean ok) {
        return ok ? delivered.sum() : undelivered.sum();
    }

    /** Responses owed to hooks now. */
    public int owed() {
        return owed.get();
    }

    /** Responses that acomm backends sent: matched to their call ({@code true}) or not ({@code false}). */
    public long backendResponses(boolean matched) {
        return backends.responses(matched);
    }

    /**
     * Waits, up to {@code max}, until no Response is owed to a hook: at a graceful stop, the calls
     * failed {@code shutting_down} just before still reach their hooks.
     */
    public void awaitDeliveries(Duration max) {
        long deadline = System.nanoTime() + max.toNanos();
        while (owed.get() > 0 && System.nanoTime() < deadline) {
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    @Override
    public void close() {
        // The HTTP client is the node's: it closes it.
    }
}
