package dev.switchboard.server.nativeproto;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Topic history on a running server: offsets and the epoch in publish answers and message events,
 * a subscriber starting from an offset over WebSocket, {@code topic.history}, and the epoch
 * changing with a restart (the history is memory only).
 */
class TopicHistoryServerTest {
    private static String publish(int id, String topic, String payloadJson) {
        return "{\"op\":\"topic.publish\",\"id\":" + id + ",\"topic\":\"" + topic + "\",\"payload\":" + payloadJson + "}";
    }

    @Test
    void aSubscriberResumesFromItsLastOffsetAndThenAfterARestartLearnsItLostTheHistory() throws Exception {
        String epoch;
        try (TestServer server = TestServer.start(b -> b.topicHistory("orders.>=3").topicHistory("audit=100:60000"))) {
            try (NativeConn pub = server.open("tcp"); NativeConn sub = server.open("websocket")) {
                pub.hello(null);
                sub.hello(null);
                JsonNode first = pub.request(publish(2, "orders.eu", "\"o1\""), 2);
                epoch = first.at("/result/epoch").asString();
                assertThat(first.at("/result/offset").asLong()).isEqualTo(1);
                assertThat(epoch).matches("[0-9a-f]{16}");
                for (int i = 2; i <= 4; i++) {
                    JsonNode r = pub.request(publish(10 + i, "orders.eu", "{\"n\":" + i + "}"), 10 + i);
                    assertThat(r.at("/result/offset").asLong()).isEqualTo(i);
                    assertThat(r.at("/result/epoch").asString()).isEqualTo(epoch);
                }

                // Offsets 2..4 are kept (size 3): from offset 2, the client gets 3 and 4, then live ones.
                JsonNode ok = sub.request("{\"op\":\"topic.subscribe\",\"id\":2,\"pattern\":\"orders.eu\",\"since\":{\"offset\":2,\"epoch\":\"" + epoch + "\"}}", 2);
                assertThat(ok.at("/result/recovered").asBoolean()).isTrue();
                assertThat(ok.at("/result/epoch").asString()).isEqualTo(epoch);
                assertThat(ok.at("/result/offset").asLong()).isEqualTo(4);
                pub.request(publish(20, "orders.eu", "\"o5\""), 20);
                for (long offset = 3; offset <= 5; offset++) {
                    JsonNode m = sub.nextEvent();
                    assertThat(m.path("op").asString()).isEqualTo("message");
                    assertThat(m.path("offset").asLong()).isEqualTo(offset);
                    assertThat(m.path("epoch").asString()).isEqualTo(epoch);
                }

                // From offset 1: fell out of the history (3 kept: 3, 4, 5), so offset 2 was missed.
                JsonNode lost = sub.request("{\"op\":\"topic.subscribe\",\"id\":3,\"pattern\":\"orders.eu\",\"group\":\"g\",\"since\":{\"offset\":1,\"epoch\":\"" + epoch + "\"}}", 3);
                assertThat(lost.at("/result/recovered").asBoolean()).isFalse();
                assertThat(lost.at("/result/first_offset").asLong()).isEqualTo(3);

                JsonNode page = pub.request("{\"op\":\"topic.history\",\"id\":30,\"topic\":\"orders.eu\",\"limit\":2}", 30);
                assertThat(page.at("/result/messages")).hasSize(2);
                assertThat(page.at("/result/messages/0/offset").asLong()).isEqualTo(3);
                assertThat(page.at("/result/messages/0/payload").toString()).isEqualTo("{\"n\":3}");
                assertThat(page.at("/result/offset").asLong()).isEqualTo(5);
                JsonNode next = pub.request("{\"op\":\"topic.history\",\"id\":31,\"topic\":\"orders.eu\",\"since\":{\"offset\":4,\"epoch\":\"" + epoch + "\"}}", 31);
                assertThat(next.at("/result/messages")).hasSize(1);
                assertThat(next.at("/result/messages/0/payload").asString()).isEqualTo("o5");
                assertThat(next.at("/result/recovered").asBoolean()).isTrue();

                JsonNode none = pub.request("{\"op\":\"topic.history\",\"id\":32,\"topic\":\"no.history\"}", 32);
                assertThat(none.at("/result/messages")).isEmpty();
                assertThat(none.at("/result/epoch").asString()).isEmpty();
                assertThat(server.view().metric("switchboard_topic_history_topics")).isEqualTo(1);
                assertThat(server.view().metric("switchboard_topic_history_bytes")).isPositive();
            }
        }
        try (TestServer restarted = TestServer.start(b -> b.topicHistory("orders.>=3"));
             NativeConn pub = restarted.open("tcp"); NativeConn sub = restarted.open("unix")) {
            pub.hello(null);
            sub.hello(null);
            JsonNode r = pub.request(publish(2, "orders.eu", "\"after restart\""), 2);
            assertThat(r.at("/result/offset").asLong()).isEqualTo(1);
            assertThat(r.at("/result/epoch").asString()).isNotEqualTo(epoch);
            JsonNode lost = sub.request("{\"op\":\"topic.subscribe\",\"id\":2,\"pattern\":\"orders.eu\",\"since\":{\"offset\":5,\"epoch\":\"" + epoch + "\"}}", 2);
            assertThat(lost.at("/result/recovered").asBoolean()).isFalse();
            assertThat(lost.at("/result/epoch").asString()).isEqualTo(r.at("/result/epoch").asString());
            JsonNode m = sub.nextEvent(); // what the new history holds
            assertThat(m.path("payload").asString()).isEqualTo("after restart");
            assertThat(m.path("offset").asLong()).isEqualTo(1);
        }
    }
}
