package dev.switchboard.cluster.nats;

import dev.switchboard.core.pubsub.HistoryRule;
import dev.switchboard.core.pubsub.Signal;
import dev.switchboard.core.pubsub.Since;
import dev.switchboard.core.pubsub.StreamPosition;
import dev.switchboard.core.pubsub.TopicHistories;
import dev.switchboard.core.pubsub.TopicPosition;
import dev.switchboard.protocol.Payload;
import io.nats.client.Connection;
import io.nats.client.JetStream;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamManagement;
import io.nats.client.JetStreamOptions;
import io.nats.client.PublishOptions;
import io.nats.client.api.DiscardPolicy;
import io.nats.client.api.MessageInfo;
import io.nats.client.api.PublishAck;
import io.nats.client.api.RetentionPolicy;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import io.nats.client.api.StreamInfo;
import io.nats.client.impl.Headers;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The topic histories of a cluster, kept in JetStream so that they outlive any Switchboard node
 * and every node reads the same offsets (docs/cluster.md, "History").
 *
 * <h2>Layout</h2>
 * One stream per {@link HistoryRule}, named {@code <prefix>_history_<key>} where {@code key} is a
 * hash of the rule's pattern, capturing {@code <prefix>.h.<key>.>}; topic {@code orders.eu} under
 * that rule is the subject {@code <prefix>.h.<key>.orders.eu}. Distinct subject spaces per rule, so
 * that overlapping rules ({@code orders.>} and {@code >}) never make overlapping streams, which
 * JetStream refuses. Limits: {@code MaxMsgsPerSubject} = the rule's size, {@code MaxAge} = its age,
 * {@code MaxBytes} = {@code --topic-history-max-bytes} (per stream), discard old.
 *
 * <h2>Positions</h2>
 * A message's offset is its stream sequence: it grows on each topic, with holes (the other topics
 * of the rule share the sequence). The epoch is the stream's creation time: a stream deleted and
 * made again is a new epoch. Since offsets have holes, each stored message says in {@value #PREV}
 * the offset of the topic's previous message (and in {@code Sb-Epoch} the epoch its publisher
 * knew, so a node learns that the stream was made again from the topic's last message); the
 * oldest kept message's {@value #PREV} tells
 * whether anything after a client's offset was dropped. A publish writes it with JetStream's
 * expected-last-subject-sequence check, so two nodes publishing on one topic at once cannot both
 * claim the same predecessor: the loser reads the topic's last message again and retries.
 *
 * <h2>Failures</h2>
 * Every call has the JetStream request timeout (the broker's NATS timeout); any failure becomes a
 * {@link HistoryUnavailableException}, never a hang. Calls block the calling thread for their
 * round trips (see docs/cluster.md for the cost).
 */
final class JetStreamHistory {
    /** Header of a stored message: the offset of the previous message on the same topic (see the class comment). */
    static final String PREV = "Sb-Prev";
    private static final int NO_MESSAGE_FOUND = 10037;
    private static final int STREAM_NAME_IN_USE = 10058;
    private static final int WRONG_LAST_SUBJECT_SEQUENCE = 10071;
    /** Tries of one publish racing other publishers of its topic before it gives up. */
    private static final int MAX_PUBLISH_TRIES = 16;

    /** A rule's stream; {@code epoch} is refreshed by each read, and by a publish that finds the stream made again. */
    private static final class RuleStream {
        final String name;
        final String kind;
        volatile String epoch;

        RuleStream(String name, String kind, String epoch) {
            this.name = name;
            this.kind = kind;
            this.epoch = epoch;
        }
    }

    private final JetStreamManagement jsm;
    private final JetStream js;
    private final NatsSubjects subjects;
    private final TopicHistories histories;
    private final Map<HistoryRule, RuleStream> streams = new ConcurrentHashMap<>();

    JetStreamHistory(Connection nats, NatsSubjects subjects, TopicHistories histories, Duration timeout) {
        this.subjects = subjects;
        this.histories = histories;
        try {
            JetStreamOptions options = JetStreamOptions.builder().requestTimeout(timeout).build();
            this.jsm = nats.jetStreamManagement(options);
            this.js = nats.jetStream(options);
        } catch (IOException e) {
            throw new HistoryUnavailableException("JetStream is not available: " + e.getMessage(), e);
        }
    }

    /** True when {@code topic} keeps a history. */
    boolean keeps(String topic) {
        return histories.ruleFor(topic) != null;
    }

    /** Makes (or updates to the current rules) every rule's stream: idempotent, called at node start. */
    void ensureStreams() {
        for (HistoryRule rule : histories.rules()) stream(rule);
    }

    private RuleStream stream(String topic) {
        HistoryRule rule = histories.ruleFor(topic);
        if (rule == null) throw new IllegalArgumentException(topic + " keeps no history");
        return stream(rule);
    }

    private RuleStream stream(HistoryRule rule) {
        RuleStream s = streams.get(rule);
        if (s != null) return s;
        synchronized (streams) {
            s = streams.get(rule);
            if (s != null) return s;
            String key = key(rule.pattern());
            String name = subjects.prefix().replaceAll("[^A-Za-z0-9_-]", "_") + "_history_" + key;
            String kind = "h." + key;
            StreamConfiguration config = StreamConfiguration.builder()
                    .name(name)
                    .subjects(subjects.prefix() + "." + kind + ".>")
                    .storageType(StorageType.File)
                    .retentionPolicy(RetentionPolicy.Limits)
                    .discardPolicy(DiscardPolicy.Old)
                    .maxMessagesPerSubject(rule.size())
                    .maxAge(Duration.ofMillis(rule.maxAgeMs()))
                    .maxBytes(histories.maxBytes() > 0 ? histories.maxBytes() : -1)
                    .build();
            StreamInfo info = call(() -> {
                try {
                    return jsm.addStream(config); // the same configuration again is not an error
                } catch (JetStreamApiException e) {
                    if (e.getApiErrorCode() != STREAM_NAME_IN_USE) throw e;
                    return jsm.updateStream(config); // the rule's limits changed since the stream was made
                }
            });
            s = new RuleStream(name, kind, epoch(info.getCreateTime()));
            streams.put(rule, s);
            return s;
        }
    }

    /** Stores one message of {@code topic} and answers its position. */
    StreamPosition append(String topic, Payload payload) {
        RuleStream s = stream(topic);
        try {
            return append(s, topic, payload);
        } catch (HistoryUnavailableException e) {
            forget(s); // deleted behind our back, say: the next call makes it again (and learns its epoch)
            throw e;
        }
    }

    private StreamPosition append(RuleStream s, String topic, Payload payload) {
        String subject = subjects.subject(s.kind, topic);
        for (int attempt = 0; attempt < MAX_PUBLISH_TRIES; attempt++) {
            MessageInfo last = lastOf(s, subject);
            long prev;
            if (last != null) {
                prev = last.getSeq();
                // The topic's last message names the epoch its publisher knew: another one means the
                // stream was made again since this node learnt its epoch.
                String itsEpoch = last.getHeaders() == null ? null : last.getHeaders().getFirst(NatsEnvelope.EPOCH);
                if (itsEpoch != null && !itsEpoch.equals(s.epoch)) s.epoch = epoch(call(() -> jsm.getStreamInfo(s.name)).getCreateTime());
            } else {
                // With no message of the topic kept, everything before the stream's first sequence is
                // gone: a predecessor, if there was one, is among those. (And the first publisher of
                // a topic in a stream made again learns its epoch here.)
                StreamInfo info = call(() -> jsm.getStreamInfo(s.name));
                s.epoch = epoch(info.getCreateTime());
                prev = info.getStreamState().getFirstSequence() - 1;
            }
            Headers h = new Headers();
            h.put(NatsEnvelope.KIND, payload.kind().name());
            h.put(NatsEnvelope.EPOCH, s.epoch);
            h.put(PREV, Long.toString(prev));
            PublishOptions expect = PublishOptions.builder().expectedStream(s.name)
                    .expectedLastSubjectSequence(last == null ? 0 : last.getSeq()).build();
            try {
                PublishAck ack = call(() -> js.publish(subject, h, payload.toByteArray(), expect));
                return new StreamPosition(ack.getSeqno(), s.epoch);
            } catch (HistoryUnavailableException e) {
                if (!(e.getCause() instanceof JetStreamApiException api) || api.getApiErrorCode() != WRONG_LAST_SUBJECT_SEQUENCE) throw e;
            }
        }
        throw new HistoryUnavailableException("topic " + topic + ": " + MAX_PUBLISH_TRIES
                + " publishes in a row lost the race to other publishers of the topic", null);
    }

    /**
     * Where {@code topic} stands and, when {@code limit} is not negative, the kept messages after
     * {@code since} (null: from the oldest), oldest first, at most {@code limit} (0: every kept one).
     */
    TopicPosition read(String topic, Since since, int limit) {
        RuleStream s = stream(topic);
        try {
            return read(s, topic, since, limit);
        } catch (HistoryUnavailableException e) {
            forget(s);
            throw e;
        }
    }

    private void forget(RuleStream s) {
        streams.values().remove(s);
    }

    private TopicPosition read(RuleStream s, String topic, Since since, int limit) {
        String subject = subjects.subject(s.kind, topic);
        StreamInfo info = call(() -> jsm.getStreamInfo(s.name));
        s.epoch = epoch(info.getCreateTime());
        String epoch = s.epoch;
        MessageInfo last = lastOf(s, subject);
        MessageInfo first = last == null ? null : nextOf(s, subject, 1);
        long streamLast = info.getStreamState().getLastSequence();
        long lastOffset = last == null ? 0 : last.getSeq();
        long firstOffset = first == null ? streamLast + 1 : first.getSeq();
        long prevOfFirst = first == null ? info.getStreamState().getFirstSequence() - 1 : prev(first);
        Since from = since == null ? Since.START : since;
        boolean sameEpoch = from.epoch().isEmpty() || from.epoch().equals(epoch);
        long after = from.epoch().isEmpty() ? 0 : from.offset();
        boolean recovered = sameEpoch && after >= prevOfFirst && after <= streamLast;
        List<Signal> messages = new ArrayList<>();
        if (limit >= 0 && first != null) {
            int max = limit > 0 ? limit : histories.ruleFor(topic).size();
            MessageInfo m = recovered ? (after < first.getSeq() ? first : nextOf(s, subject, after + 1)) : first;
            while (m != null && messages.size() < max) {
                messages.add(new Signal(topic, NatsEnvelope.payload(m.getHeaders(), m.getData()), new StreamPosition(m.getSeq(), epoch)));
                m = nextOf(s, subject, m.getSeq() + 1);
            }
        }
        return new TopicPosition(recovered, epoch, lastOffset == 0 ? 0 : lastOffset, firstOffset, messages, null);
    }

    private MessageInfo lastOf(RuleStream s, String subject) {
        return orNull(() -> jsm.getLastMessage(s.name, subject));
    }

    private MessageInfo nextOf(RuleStream s, String subject, long fromSeq) {
        return orNull(() -> jsm.getNextMessage(s.name, fromSeq, subject));
    }

    private static long prev(MessageInfo m) {
        String v = m.getHeaders() == null ? null : m.getHeaders().getFirst(PREV);
        try {
            return v == null ? m.getSeq() - 1 : Long.parseLong(v);
        } catch (NumberFormatException e) {
            return m.getSeq() - 1; // not written by a node: assume the worst that is still a position
        }
    }

    private interface JsCall<T> {
        T run() throws IOException, JetStreamApiException, InterruptedException, java.util.concurrent.TimeoutException;
    }

    private MessageInfo orNull(JsCall<MessageInfo> c) {
        try {
            return call(c);
        } catch (HistoryUnavailableException e) {
            if (e.getCause() instanceof JetStreamApiException api && api.getApiErrorCode() == NO_MESSAGE_FOUND) return null;
            throw e;
        }
    }

    private static <T> T call(JsCall<T> c) {
        try {
            return c.run();
        } catch (JetStreamApiException e) {
            throw new HistoryUnavailableException("JetStream refused: " + e.getMessage(), e);
        } catch (IOException | java.util.concurrent.TimeoutException | RuntimeException e) {
            throw new HistoryUnavailableException("JetStream did not answer: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new HistoryUnavailableException("interrupted waiting for JetStream", e);
        }
    }

    private static String epoch(ZonedDateTime created) {
        long nanos = created.toEpochSecond() * 1_000_000_000L + created.getNano();
        return Long.toHexString(nanos);
    }

    private static String key(String pattern) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(pattern.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
