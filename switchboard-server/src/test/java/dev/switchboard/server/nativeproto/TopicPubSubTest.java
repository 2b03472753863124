package dev.switchboard.server.nativeproto;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;

/**
 * {@code topic.subscribe} / {@code topic.publish} over every native connection transport, the
 * three payload kinds, wildcards and queue groups, and the shared tree with dflockd's signals.
 */
class TopicPubSubTest {
    @RegisterExtension
    static final TestServer SERVER = TestServer.perClass();

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"tcp", "tcp-frames", "unix", "websocket"})
    void aSubscriberGetsEachPayloadKindBackAsItWasSent(String transport) throws Exception {
        String topic = "kinds." + transport.replace('-', '_') + ".x";
        try (NativeConn sub = SERVER.open(transport); NativeConn pub = SERVER.open("tcp")) {
            sub.hello(null);
            pub.hello(null);
            JsonNode subscribed = sub.request("{\"op\":\"topic.subscribe\",\"id\":2,\"pattern\":\"kinds." + transport.replace('-', '_') + ".*\"}", 2);
            assertThat(subscribed.path("result").path("recovered").asBoolean()).isTrue();
            assertThat(subscribed.at("/result/epoch").asString()).isEmpty();
            assertThat(subscribed.at("/result/offset").asLong()).isZero();

            JsonNode text = pub.request("{\"op\":\"topic.publish\",\"id\":2,\"topic\":\"" + topic + "\",\"payload\":\"hello\"}", 2);
            assertThat(text.at("/result/delivered").asInt()).isEqualTo(1);
            assertThat(text.at("/result/offset").asLong()).isZero();
            assertThat(text.at("/result").has("epoch")).isFalse();
            pub.request("{\"op\":\"topic.publish\",\"id\":3,\"topic\":\"" + topic + "\",\"payload\":{\"n\":[1,2]}}", 3);
            pub.request("{\"op\":\"topic.publish\",\"id\":4,\"topic\":\"" + topic + "\",\"payload_b64\":\"AAEC/w==\"}", 4);

            JsonNode m1 = sub.nextEvent();
            assertThat(m1.path("op").asString()).isEqualTo("message");
            assertThat(m1.path("topic").asString()).isEqualTo(topic);
            assertThat(m1.path("payload").asString()).isEqualTo("hello");
            assertThat(m1.path("offset").asLong()).isZero();
            assertThat(m1.has("epoch")).isFalse();
            assertThat(m1.path("seq").asLong()).isPositive();
            JsonNode m2 = sub.nextEvent();
            assertThat(m2.path("payload").toString()).isEqualTo("{\"n\":[1,2]}");
            JsonNode m3 = sub.nextEvent();
            assertThat(m3.path("payload_b64").asString()).isEqualTo("AAEC/w==");
            assertThat(m3.has("payload")).isFalse();
            assertThat(m3.path("seq").asLong()).isEqualTo(m2.path("seq").asLong() + 1);
        }
    }

    @Test
    void publishingToAWildcardOrWithoutPayloadIsInvalid() throws Exception {
        try (NativeConn c = SERVER.open("tcp")) {
            c.hello(null);
            for (String topic : new String[] {"a.*", "a.>", ">", "a..b", ""}) {
                JsonNode r = c.request("{\"op\":\"topic.publish\",\"id\":2,\"topic\":\"" + topic + "\",\"payload\":\"x\"}", 2);
                assertThat(r.at("/error/code").asString()).as(topic).isEqualTo("invalid_argument");
            }
            JsonNode none = c.request("{\"op\":\"topic.publish\",\"id\":3,\"topic\":\"a.b\"}", 3);
            assertThat(none.at("/error/code").asString()).isEqualTo("invalid_argument");
            JsonNode both = c.request("{\"op\":\"topic.publish\",\"id\":4,\"topic\":\"a.b\",\"payload\":\"x\",\"payload_b64\":\"eA==\"}", 4);
            assertThat(both.at("/error/code").asString()).isEqualTo("invalid_argument");
            JsonNode badPattern = c.request("{\"op\":\"topic.subscribe\",\"id\":5,\"pattern\":\"a.>.b\"}", 5);
            assertThat(badPattern.at("/error/code").asString()).isEqualTo("invalid_argument");
            JsonNode sinceOnPattern = c.request("{\"op\":\"topic.subscribe\",\"id\":6,\"pattern\":\"a.*\",\"since\":{\"offset\":1,\"epoch\":\"e\"}}", 6);
            assertThat(sinceOnPattern.at("/error/code").asString()).isEqualTo("invalid_argument");
            JsonNode ping = c.request("{\"op\":\"ping\",\"id\":7}", 7);
            assertThat(ping.path("op").asString()).isEqualTo("pong");
        }
    }

    @Test
    void unsubscribeStopsTheMessagesAndASignalListenerOfTheSamePatternIsSeparate() throws Exception {
        try (NativeConn c = SERVER.open("tcp")) {
            c.hello(null);
            c.request("{\"op\":\"topic.subscribe\",\"id\":2,\"pattern\":\"both.x\"}", 2);
            c.request("{\"op\":\"signal.listen\",\"id\":3,\"pattern\":\"both.x\"}", 3);
            JsonNode two = c.request("{\"op\":\"topic.publish\",\"id\":4,\"topic\":\"both.x\",\"payload\":\"p\"}", 4);
            assertThat(two.at("/result/delivered").asInt()).isEqualTo(2);
            Map<String, JsonNode> byOp = new HashMap<>();
            for (int i = 0; i < 2; i++) {
                JsonNode e = c.nextEvent();
                byOp.put(e.path("op").asString(), e);
            }
            assertThat(byOp.keySet()).containsExactlyInAnyOrder("message", "signal");
            assertThat(byOp.get("signal").path("channel").asString()).isEqualTo("both.x");

            c.request("{\"op\":\"topic.unsubscribe\",\"id\":5,\"pattern\":\"both.x\"}", 5);
            JsonNode one = c.request("{\"op\":\"topic.publish\",\"id\":6,\"topic\":\"both.x\",\"payload\":\"p\"}", 6);
            assertThat(one.at("/result/delivered").asInt()).isEqualTo(1);
            assertThat(c.nextEvent().path("op").asString()).isEqualTo("signal");
        }
    }

    @Test
    void aDflockdSignalReachesTopicSubscribersAndTextPublishesReachDflockdListeners() throws Exception {
        try (NativeConn sub = SERVER.open("websocket"); DflockdLines dflockd = new DflockdLines(SERVER.port());
             NativeConn pub = SERVER.open("tcp")) {
            sub.hello(null);
            pub.hello(null);
            sub.request("{\"op\":\"topic.subscribe\",\"id\":2,\"pattern\":\"interop.>\"}", 2);
            assertThat(dflockd.call("listen\ninterop.*\n\n")).isEqualTo("ok");

            assertThat(dflockd.call("signal\ninterop.a\nfrom dflockd\n")).isEqualTo("ok 2"); // itself and the topic subscriber
            JsonNode m = sub.nextEvent();
            assertThat(m.path("op").asString()).isEqualTo("message");
            assertThat(m.path("topic").asString()).isEqualTo("interop.a");
            assertThat(m.path("payload").asString()).isEqualTo("from dflockd");
            assertThat(dflockd.nextPush()).isEqualTo("sig interop.a from dflockd");

            JsonNode text = pub.request("{\"op\":\"topic.publish\",\"id\":2,\"topic\":\"interop.b\",\"payload\":\"native text\"}", 2);
            assertThat(text.at("/result/delivered").asInt()).isEqualTo(2);
            assertThat(dflockd.nextPush()).isEqualTo("sig interop.b native text");
            assertThat(sub.nextEvent().path("payload").asString()).isEqualTo("native text");

            // Not one dflockd line: the dflockd listener is skipped (and counted), the topic subscriber gets them.
            double skippedBefore = SERVER.view().metric("switchboard_pubsub_skipped_listeners_total");
            for (String payload : new String[] {"{\"op\":1}", "\"two\\nlines\"", "\"\""}) {
                JsonNode r = pub.request("{\"op\":\"topic.publish\",\"id\":3,\"topic\":\"interop.c\",\"payload\":" + payload + "}", 3);
                assertThat(r.at("/result/delivered").asInt()).as(payload).isEqualTo(1);
                assertThat(sub.nextEvent().path("topic").asString()).isEqualTo("interop.c");
            }
            JsonNode bytes = pub.request("{\"op\":\"topic.publish\",\"id\":4,\"topic\":\"interop.c\",\"payload_b64\":\"AA==\"}", 4);
            assertThat(bytes.at("/result/delivered").asInt()).isEqualTo(1);
            assertThat(sub.nextEvent().path("payload_b64").asString()).isEqualTo("AA==");
            assertThat(SERVER.view().metric("switchboard_pubsub_skipped_listeners_total")).isEqualTo(skippedBefore + 4);
            // The dflockd listener is still there and got nothing in between.
            assertThat(dflockd.call("signal\ninterop.d\nlast\n")).isEqualTo("ok 2");
            assertThat(dflockd.nextPush()).isEqualTo("sig interop.d last");
        }
    }

    @Test
    void aQueueGroupSharesTheMessagesAcrossTopicAndSignalMembers() throws Exception {
        int n = 40;
        try (NativeConn a = SERVER.open("tcp"); NativeConn b = SERVER.open("unix"); NativeConn pub = SERVER.open("tcp")) {
            a.hello(null);
            b.hello(null);
            pub.hello(null);
            a.request("{\"op\":\"topic.subscribe\",\"id\":2,\"pattern\":\"work.*\",\"group\":\"w\"}", 2);
            b.request("{\"op\":\"signal.listen\",\"id\":2,\"pattern\":\"work.*\",\"group\":\"w\"}", 2);
            for (int i = 0; i < n; i++) {
                JsonNode r = pub.request("{\"op\":\"topic.publish\",\"id\":" + (10 + i) + ",\"topic\":\"work.job\",\"payload\":\"" + i + "\"}", 10 + i);
                assertThat(r.at("/result/delivered").asInt()).isEqualTo(1);
            }
            for (int i = 0; i < n / 2; i++) {
                assertThat(a.nextEvent().path("op").asString()).isEqualTo("message");
                assertThat(b.nextEvent().path("op").asString()).isEqualTo("signal");
            }
        }
    }
}
