package dev.switchboard.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Which server messages the client reads without a tree, and that it reads them right. */
class ServerMessageDecoderTest {
    private static ByteBuf bytes(String json) {
        return Unpooled.copiedBuffer(json, StandardCharsets.UTF_8);
    }

    @Test
    void aLockGrantIsReadWithoutATree() {
        ByteBuf msg = bytes("{\"op\":\"reply\",\"id\":7,\"result\":{\"status\":\"acquired\",\"token\":\"t\\u00e9\",\"lease_ms\":30000}}");
        ServerMessageDecoder.Reply reply = ServerMessageDecoder.flatReply(msg);
        assertThat(reply).isNotNull();
        assertThat(reply.id()).isEqualTo(7);
        assertThat(reply.result().string("status")).isEqualTo("acquired");
        assertThat(reply.result().string("token")).isEqualTo("té");
        assertThat(reply.result().integer("lease_ms")).isEqualTo(30000L);
        assertThat(reply.result().tree().toString()).isEqualTo("{\"status\":\"acquired\",\"token\":\"té\",\"lease_ms\":30000}");
        assertThat(msg.isReadable()).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "{\"op\":\"reply\",\"id\":1,\"result\":{\"nested\":{\"a\":1}}}",
        "{\"op\":\"reply\",\"id\":1,\"result\":{\"status\":\"a\",\"status\":\"b\"}}",
        "{\"op\":\"reply\",\"id\":1,\"result\":{}} {}",
        "{\"id\":1,\"op\":\"reply\",\"result\":{}}",
        "{\"op\":\"reply\",\"id\":\"text\",\"result\":{}}",
        "{\"op\":\"error\",\"id\":1,\"error\":{\"code\":\"not_held\",\"message\":\"m\"}}",
        "{\"op\":\"reply\",\"id\":1,\"result\":{\"n\":1.5}}",
        "{\"op\":\"reply\",\"id\":1,\"result\":{\"status\":",
    })
    void anythingElseIsLeftUnreadForTheTreeDecoder(String json) {
        ByteBuf msg = bytes(json);
        assertThat(ServerMessageDecoder.flatReply(msg)).isNull();
        assertThat(msg.readableBytes()).isEqualTo(json.getBytes(StandardCharsets.UTF_8).length);
    }
}
