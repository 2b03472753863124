package dev.switchboard.server.nativeproto;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.server.identity.Acl;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import tools.jackson.databind.JsonNode;

/**
 * Acknowledged direct messages: {@code relay.send} with an {@code ack_id} gets exactly one
 * {@code relay.receipt} — acknowledged when the receiver says {@code relay.ack}, undelivered when
 * the receiver's session ends first — and reaches a receiver waiting for a resume, which gets it
 * on the resume.
 */
class ReceiptsTest {
    @RegisterExtension
    static final TestServer SERVER = TestServer.perClass(b -> b.acl(Acl.parse(AliceAndBob.ACL)));

    private static NativeClient as(String token) throws Exception {
        return AliceAndBob.lines(SERVER.port(), token);
    }

    private static String send(int id, String ackId, String payload) {
        return "{\"op\":\"relay.send\",\"id\":" + id + ",\"to\":\"team.bob\",\"payload\":\"" + payload + "\""
                + (ackId == null ? "" : ",\"ack_id\":\"" + ackId + "\"") + "}";
    }

    private static String ack(int id, String ackId) {
        return "{\"op\":\"relay.ack\",\"id\":" + id + ",\"from\":\"team.alice\",\"ack_id\":\"" + ackId + "\"}";
    }

    @Test
    void anAcknowledgedMessageGetsOneAcknowledgedReceipt() throws Exception {
        try (NativeClient alice = as("t-alice"); NativeClient bob = as("t-bob")) {
            assertThat(alice.request(send(2, "m1", "hi"), 2).has("result")).isTrue();
            assertThat(alice.request(send(3, "m1", "again"), 3).at("/error/code").asString())
                    .as("the same ack_id while the first awaits its receipt").isEqualTo("invalid_argument");
            JsonNode m = bob.read();
            assertThat(m.path("op").asString()).isEqualTo("relay.message");
            assertThat(m.path("ack_id").asString()).isEqualTo("m1");
            assertThat(m.path("payload").asString()).isEqualTo("hi");
            assertThat(bob.request(ack(2, "m1"), 2).has("result")).isTrue();
            JsonNode receipt = alice.read();
            assertThat(receipt.path("op").asString()).isEqualTo("relay.receipt");
            assertThat(receipt.path("to").asString()).isEqualTo("team.bob");
            assertThat(receipt.path("ack_id").asString()).isEqualTo("m1");
            assertThat(receipt.path("status").asString()).isEqualTo("acknowledged");
            assertThat(bob.request(ack(3, "m1"), 3).at("/error/code").asString()).as("one outcome only")
                    .isEqualTo("invalid_argument");
            assertThat(alice.request(send(4, "m1", "reused"), 4).has("result")).as("the id is free again").isTrue();
            assertThat(bob.read().path("payload").asString()).isEqualTo("reused");
        }
    }

    @Test
    void aMessageToASessionWaitingForAResumeIsKeptAndDeliveredOnTheResume() throws Exception {
        try (NativeClient alice = as("t-alice")) {
            NativeClient bob = NativeClient.lines(SERVER.port());
            bob.send("{\"op\":\"hello\",\"id\":1,\"version\":1,\"token\":\"t-bob\"}");
            JsonNode welcome = bob.readReply(1);
            String session = welcome.path("session").asString();
            String key = welcome.path("resume_key").asString();
            bob.close();
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(5)).until(() ->
                    alice.request(send(90, null, "probe"), 90).at("/error/code").asString().equals("peer_not_found"));

            assertThat(alice.request(send(2, "k1", "kept"), 2).has("result")).as("kept for the resume").isTrue();
            try (NativeClient back = NativeClient.lines(SERVER.port())) {
                back.send("{\"op\":\"hello\",\"id\":1,\"version\":1,\"token\":\"t-bob\",\"resume\":{\"session\":\"" + session
                        + "\",\"key\":\"" + key + "\",\"last_seq\":0}}");
                assertThat(back.readReply(1).path("resumed").asBoolean()).isTrue();
                JsonNode m = back.read();
                assertThat(m.path("op").asString()).isEqualTo("relay.message");
                assertThat(m.path("payload").asString()).isEqualTo("kept");
                assertThat(m.path("ack_id").asString()).isEqualTo("k1");
                assertThat(back.request(ack(2, "k1"), 2).has("result")).isTrue();
                JsonNode receipt = alice.read();
                assertThat(receipt.path("status").asString()).isEqualTo("acknowledged");
                assertThat(receipt.path("ack_id").asString()).isEqualTo("k1");
            }
        }
    }

    @Test
    void aReceiverEndingWithoutAcknowledgingMakesTheReceiptUndelivered() throws Exception {
        try (NativeClient alice = as("t-alice"); NativeClient bob = as("t-bob")) {
            assertThat(alice.request(send(2, "u1", "lost"), 2).has("result")).isTrue();
            assertThat(bob.read().path("ack_id").asString()).isEqualTo("u1");
            assertThat(bob.request("{\"op\":\"session.close\",\"id\":2}", 2).has("result")).isTrue();
            JsonNode receipt = alice.read();
            assertThat(receipt.path("op").asString()).isEqualTo("relay.receipt");
            assertThat(receipt.path("ack_id").asString()).isEqualTo("u1");
            assertThat(receipt.path("status").asString()).isEqualTo("undelivered");
            assertThat(alice.request(send(3, "u2", "nobody"), 3).at("/error/code").asString()).isEqualTo("peer_not_found");
        }
    }
}
