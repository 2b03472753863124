package dev.switchboard.client;

import dev.switchboard.protocol.Payload;
import dev.switchboard.protocol.Subjects;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;

/**
 * The backend's side of request/reply: the patterns this client serves ({@code rpc.serve}), the
 * requests the server routes here ({@code rpc.request} events), and their answers
 * ({@code rpc.respond}). Handlers run on the callback executor, several at once.
 */
final class ServiceHandlers {
    private static final Logger log = LoggerFactory.getLogger(ServiceHandlers.class);

    /** How the blocking {@link ServiceRegistration#close()} waits for the server. */
    interface Awaiter {
        void await(CompletableFuture<?> future);
    }

    private final RequestRouter requests;
    private final Duration requestTimeout;
    private final Executor executor;
    private final Awaiter awaiter;
    private final List<ServiceRegistration> registrations = new CopyOnWriteArrayList<>();

    ServiceHandlers(RequestRouter requests, Duration requestTimeout, Executor executor, Awaiter awaiter) {
        this.requests = requests;
        this.requestTimeout = requestTimeout;
        this.executor = executor;
        this.awaiter = awaiter;
    }

    CompletableFuture<ServiceRegistration> serve(String pattern, String group, ServiceHandler handler) {
        ServiceRegistration r = new ServiceRegistration(this, Objects.requireNonNull(pattern, "pattern"), group,
                Objects.requireNonNull(handler, "handler"));
        // Known here before the server routes anything to it: a request may come before the answer.
        registrations.add(r);
        return sendServe(r).handle((ok, e) -> {
            if (e != null) {
                registrations.remove(r);
                throw Futures.unwrap(e);
            }
            return r;
        });
    }

    void unserve(ServiceRegistration r) {
        if (registrations.remove(r)) {
            awaiter.await(requests.send(new FieldsMessage("rpc.unserve").put("pattern", r.pattern()).put("group", r.group()),
                    requestTimeout, null));
        }
    }

    /** A new session replaced a lost one: it serves nothing yet, so every registration is made again. */
    void sessionReplaced() {
        for (ServiceRegistration r : registrations) {
            sendServe(r).exceptionally(e -> {
                log.warn("could not serve {} again on the new session: {}", r.pattern(), e.toString());
                return null;
            });
        }
    }

    private CompletableFuture<Void> sendServe(ServiceRegistration r) {
        return requests.send(new FieldsMessage("rpc.serve").put("pattern", r.pattern()).put("group", r.group()),
                requestTimeout, null).thenApply(a -> null);
    }

    /** An {@code rpc.request} event (on the I/O thread): runs its handler on the executor. */
    void onRequest(JsonNode event) {
        String rid = event.path("rid").asString("");
        String name = event.path("name").asString("");
        boolean notification = event.path("notify").asBoolean(false);
        JsonNode caller = event.path("caller");
        Duration timeLeft = Duration.ofMillis(Math.max(0, event.path("timeout_ms").asLong(0)));
        ReplyStream stream = event.path("stream").asBoolean(false) && !notification ? chunks(rid, timeLeft) : null;
        IncomingRequest request = new IncomingRequest(rid, name, PayloadNodes.readOrEmpty(event), timeLeft, notification,
                caller.path("session").asString(null), caller.path("transport").asString(null), stream);
        ServiceRegistration r = find(name, event.path("pattern").asString(null));
        if (r == null) {
            // Unserved a moment ago: the server still routed this one here.
            answerError(request, new ServiceError("no_responders", "this client no longer serves " + name));
            return;
        }
        try {
            executor.execute(() -> run(r.handler, request));
        } catch (RejectedExecutionException e) {
            answerError(request, e);
        }
    }

    /**
     * The stream of the call {@code rid}: each chunk is an {@code rpc.chunk}, whose answer comes
     * when the caller took it — which may take as long as the call has left, when it reads slowly.
     */
    private ReplyStream chunks(String rid, Duration timeLeft) {
        Duration wait = requestTimeout.plus(timeLeft);
        return chunk -> requests.send(new FieldsMessage("rpc.chunk").put("rid", rid)
                .payload(Objects.requireNonNull(chunk, "chunk")), wait, null).thenApply(a -> null);
    }

    private ServiceRegistration find(String name, String pattern) {
        ServiceRegistration matching = null;
        for (ServiceRegistration r : registrations) {
            if (r.pattern().equals(pattern)) {
                return r;
            }
            if (matching == null && Subjects.matches(r.pattern(), name)) {
                matching = r;
            }
        }
        return matching;
    }

    private void run(ServiceHandler handler, IncomingRequest request) {
        CompletionStage<Payload> stage;
        try {
            stage = handler.handle(request);
        } catch (Throwable t) {
            answerError(request, t);
            return;
        }
        if (stage == null) {
            answer(request, null);
            return;
        }
        stage.whenComplete((payload, e) -> {
            if (e != null) {
                answerError(request, e);
            } else {
                answer(request, payload);
            }
        });
    }

    private void answer(IncomingRequest request, Payload payload) {
        if (request.notification()) {
            return;
        }
        respond(request, new FieldsMessage("rpc.respond").put("rid", request.rid())
                .payload(payload != null ? payload : Payload.ofUtf8("")));
    }

    private void answerError(IncomingRequest request, Throwable t) {
        Throwable e = t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
        ErrorBody body;
        if (e instanceof ServiceError se) {
            body = new ErrorBody(se.code(), se.getMessage() == null ? "" : se.getMessage(), se.data());
        } else {
            log.warn("the handler of {} failed", request.name(), e);
            body = new ErrorBody("internal", "the service failed", null);
        }
        if (!request.notification()) {
            respond(request, new FieldsMessage("rpc.respond").put("rid", request.rid()).put("error", body));
        }
    }

    private void respond(IncomingRequest request, FieldsMessage msg) {
        requests.send(msg, requestTimeout, null).exceptionally(e -> {
            // unknown_request: the caller's time ran out first; anything else: the connection went.
            log.debug("the answer to {} ({}) was not taken: {}", request.name(), request.rid(), e.toString());
            return null;
        });
    }

    /** The {@code error} object of an answer; {@code data} is left out when null. */
    record ErrorBody(String code, String message,
                     @com.fasterxml.jackson.annotation.JsonInclude(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL)
                     JsonNode data) {
    }
}
