package dev.switchboard.client;

import dev.switchboard.protocol.Payload;
import dev.switchboard.protocol.Subjects;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;

/** Publish/subscribe on topics ({@code topic.*}): the subscriptions, their messages, and resubscribing. */
final class TopicSubscriptions {
    private static final Logger log = LoggerFactory.getLogger(TopicSubscriptions.class);

    private final RequestRouter requests;
    private final Duration requestTimeout;
    private final Consumer<Runnable> inOrder;
    private final ServiceHandlers.Awaiter awaiter;
    private final List<TopicSubscription> subscriptions = new CopyOnWriteArrayList<>();

    /** @param inOrder runs listener calls on the callback executor, one at a time, in order */
    TopicSubscriptions(RequestRouter requests, Duration requestTimeout, Consumer<Runnable> inOrder,
                       ServiceHandlers.Awaiter awaiter) {
        this.requests = requests;
        this.requestTimeout = requestTimeout;
        this.inOrder = inOrder;
        this.awaiter = awaiter;
    }

    CompletableFuture<TopicSubscription> subscribe(String pattern, String group, TopicPosition since,
                                                   Consumer<TopicMessage> listener) {
        TopicSubscription s = new TopicSubscription(this, Objects.requireNonNull(pattern, "pattern"), group, since,
                Objects.requireNonNull(listener, "listener"));
        // Known before the server answers: the backlog after "since" may arrive before the reply.
        subscriptions.add(s);
        return sendSubscribe(s, since).handle((ok, e) -> {
            if (e != null) {
                subscriptions.remove(s);
                throw Futures.unwrap(e);
            }
            return s;
        });
    }

    void unsubscribe(TopicSubscription s) {
        if (subscriptions.remove(s)) {
            awaiter.await(requests.send(new FieldsMessage("topic.unsubscribe").put("pattern", s.pattern())
                    .put("group", s.group()), requestTimeout, null));
        }
    }

    CompletableFuture<Published> publish(String topic, Payload payload) {
        FieldsMessage msg = new FieldsMessage("topic.publish").put("topic", Objects.requireNonNull(topic, "topic"))
                .payload(Objects.requireNonNull(payload, "payload"));
        return requests.send(msg, requestTimeout, null).thenApply(a -> {
            JsonNode r = a.tree();
            return new Published(r.path("delivered").asLong(0), r.path("offset").asLong(0), text(r, "epoch"));
        });
    }

    CompletableFuture<List<TopicMessage>> history(String topic, int limit, TopicPosition since) {
        FieldsMessage msg = new FieldsMessage("topic.history").put("topic", Objects.requireNonNull(topic, "topic"))
                .put("limit", limit > 0 ? (Object) limit : null).put("since", since(since));
        return requests.send(msg, requestTimeout, null).thenApply(a -> {
            List<TopicMessage> out = new ArrayList<>();
            for (JsonNode m : a.tree().path("messages")) {
                out.add(message(m, topic));
            }
            return out;
        });
    }

    /** A new session replaced a lost one: every subscription is made again, from its last position. */
    void sessionReplaced() {
        for (TopicSubscription s : subscriptions) {
            sendSubscribe(s, s.position()).exceptionally(e -> {
                log.warn("could not subscribe to {} again on the new session: {}", s.pattern(), e.toString());
                return null;
            });
        }
    }

    /** A {@code message} event (on the I/O thread). */
    void onMessage(JsonNode event) {
        TopicMessage m = message(event, null);
        for (TopicSubscription s : subscriptions) {
            if (Subjects.matches(s.pattern(), m.topic())) {
                s.saw(m);
                inOrder.accept(() -> s.listener.accept(m));
            }
        }
    }

    private CompletableFuture<Void> sendSubscribe(TopicSubscription s, TopicPosition since) {
        FieldsMessage msg = new FieldsMessage("topic.subscribe").put("pattern", s.pattern()).put("group", s.group())
                .put("since", since(since));
        return requests.send(msg, requestTimeout, null).thenAccept(a -> {
            JsonNode r = a.tree();
            String epoch = text(r, "epoch");
            s.subscribed(r.path("recovered").asBoolean(true),
                    epoch == null ? null : new TopicPosition(r.path("offset").asLong(0), epoch));
        });
    }

    private static Map<String, Object> since(TopicPosition p) {
        return p == null || p.epoch() == null ? null : Map.of("offset", p.offset(), "epoch", p.epoch());
    }

    private static TopicMessage message(JsonNode m, String topic) {
        return new TopicMessage(m.path("topic").asString(topic == null ? "" : topic), m.path("offset").asLong(0),
                text(m, "epoch"), PayloadNodes.readOrEmpty(m), m.path("seq").asLong(0));
    }

    /** A string field; absent or empty (a topic without history has no epoch) is null. */
    private static String text(JsonNode n, String field) {
        JsonNode v = n.get(field);
        return v != null && v.isString() && !v.stringValue().isEmpty() ? v.stringValue() : null;
    }
}
