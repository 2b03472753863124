package dev.switchboard.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The scanner reads the server's plain lock replies without a parser, and reads every message
 * exactly as the parser path does or not at all (then leaving the buffer untouched).
 */
class FlatReplyScannerTest {
    private static ByteBuf bytes(String json) {
        return Unpooled.copiedBuffer(json, StandardCharsets.UTF_8);
    }

    @Test
    void theServersLockRepliesAreScanned() {
        ByteBuf msg = bytes("{\"op\":\"reply\",\"id\":42,\"result\":{\"status\":\"acquired\",\"token\":\"f81d4fae7dec\",\"lease_ms\":30000,\"fence\":-3}}");
        ServerMessageDecoder.Reply reply = FlatReplyScanner.scan(msg);
        assertThat(reply).isNotNull();
        assertThat(reply.id()).isEqualTo(42);
        assertThat(reply.result().string("status")).isEqualTo("acquired");
        assertThat(reply.result().string("token")).isEqualTo("f81d4fae7dec");
        assertThat(reply.result().integer("lease_ms")).isEqualTo(30000L);
        assertThat(reply.result().integer("fence")).isEqualTo(-3L);
        assertThat(msg.isReadable()).isFalse();

        ServerMessageDecoder.Reply released = FlatReplyScanner.scan(bytes("{\"op\":\"reply\",\"id\":43,\"result\":{}}"));
        assertThat(released).isNotNull();
        assertThat(released.result().tree().toString()).isEqualTo("{}");
    }

    /** Off the heap (as Netty reads it) and from the middle of a larger buffer, as well as from a plain array. */
    @Test
    void aDirectBufferAndOneReadFromItsMiddleAreScannedAlike() {
        String json = "{\"op\":\"reply\",\"id\":9,\"result\":{\"token\":\"abc\",\"lease_ms\":5}}";
        ByteBuf direct = Unpooled.directBuffer().writeBytes(json.getBytes(StandardCharsets.US_ASCII));
        ByteBuf middle = Unpooled.copiedBuffer("xx" + json + "yy", StandardCharsets.US_ASCII).slice(2, json.length());
        try {
            for (ByteBuf msg : new ByteBuf[] {direct, middle}) {
                ServerMessageDecoder.Reply reply = FlatReplyScanner.scan(msg);
                assertThat(reply).isNotNull();
                assertThat(reply.id()).isEqualTo(9);
                assertThat(reply.result().string("token")).isEqualTo("abc");
                assertThat(reply.result().integer("lease_ms")).isEqualTo(5L);
                assertThat(msg.isReadable()).isFalse();
            }
        } finally {
            direct.release();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "{\"op\":\"reply\",\"id\":7,\"result\":{\"token\":\"t\\u00e9\"}}",      // an escape
        "{\"op\":\"reply\",\"id\":7,\"result\":{\"token\":\"té\"}}",            // non-ASCII
        "{\"op\":\"reply\",\"id\":7,\"result\":{\"n\":1.5}}",                    // a decimal
        "{\"op\":\"reply\",\"id\":7,\"result\":{\"n\":1e3}}",
        "{\"op\":\"reply\",\"id\":7,\"result\":{\"n\":0123}}",                   // a leading zero
        "{\"op\":\"reply\",\"id\":7,\"result\":{\"n\":1234567890123456789}}",    // 19 digits
        "{\"op\":\"reply\",\"id\":7,\"result\":{\"n\":true}}",
        "{\"op\":\"reply\",\"id\":7,\"result\":{\"n\":null}}",
        "{\"op\":\"reply\",\"id\":7,\"result\":{\"a\":{\"b\":1}}}",
        "{\"op\":\"reply\",\"id\":7,\"result\":{\"a\":\"x\",\"a\":\"y\"}}",      // a repeated key
        "{\"op\":\"reply\",\"id\":7,\"result\":{\"a\": \"x\"}}",                 // whitespace
        "{\"op\":\"reply\",\"id\":7,\"result\":{}} ",
        "{\"op\":\"reply\",\"id\":7,\"result\":{}}{}",
        "{\"op\":\"reply\",\"id\":7,\"result\":{},}",
        "{\"op\":\"reply\",\"id\":-7,\"result\":{}}",
        "{\"op\":\"reply\",\"id\":7,\"result\":{\"a\":\"x\"",
        "{\"op\":\"reply\",\"id\":7,\"result\":{\"a\"",
        "{\"op\":\"reply\",\"id\":,\"result\":{}}",
        "{\"op\":\"event\",\"id\":7,\"result\":{}}",
        "{\"id\":7,\"op\":\"reply\",\"result\":{}}",
        "{\"op\":\"reply\",\"id\":7,\"result\":{\"a\":\"b\",\"c\":\"d\",\"e\":\"f\",\"g\":\"h\",\"i\":\"j\",\"k\":\"l\",\"m\":\"n\",\"o\":\"p\",\"q\":\"r\"}}",
    })
    void anythingElseIsLeftToTheParser(String json) {
        ByteBuf msg = bytes(json);
        assertThat(FlatReplyScanner.scan(msg)).isNull();
        assertThat(msg.readableBytes()).isEqualTo(json.getBytes(StandardCharsets.UTF_8).length);
    }

    /** Random replies, some plain and some not: whatever the scanner reads, the parser reads the same. */
    @Test
    void whatItReadsIsWhatTheParserReads() {
        Random random = new Random(8);
        int scanned = 0;
        for (int n = 0; n < 5_000; n++) {
            String json = randomReply(random);
            ServerMessageDecoder.Reply fast = FlatReplyScanner.scan(bytes(json));
            ServerMessageDecoder.Reply parsed = ServerMessageDecoder.flatReply(bytes(json));
            if (fast == null) {
                continue;
            }
            scanned++;
            assertThat(parsed).as(json).isNotNull();
            assertThat(fast.id()).as(json).isEqualTo(parsed.id());
            assertThat(fast.result().tree()).as(json).isEqualTo(parsed.result().tree());
        }
        assertThat(scanned).isGreaterThan(1_000);
    }

    private static String randomReply(Random r) {
        StringBuilder b = new StringBuilder("{\"op\":\"reply\",\"id\":").append(r.nextInt(1_000_000)).append(",\"result\":{");
        int fields = r.nextInt(5);
        for (int i = 0; i < fields; i++) {
            if (i > 0) {
                b.append(',');
            }
            b.append('"').append(randomText(r)).append("\":");
            if (r.nextBoolean()) {
                b.append('"').append(randomText(r)).append('"');
            } else {
                b.append(randomNumber(r));
            }
        }
        return b.append("}}").toString();
    }

    private static String randomText(Random r) {
        String[] pieces = {"a", "token", "Z9", "-", " ", "_x", "\\n", "\\\"", "é", "\\u0041", "~"};
        StringBuilder b = new StringBuilder();
        int n = 1 + r.nextInt(4);
        for (int i = 0; i < n; i++) {
            b.append(pieces[r.nextInt(r.nextInt(10) < 8 ? 6 : pieces.length)]);
        }
        return b.toString();
    }

    private static String randomNumber(Random r) {
        switch (r.nextInt(8)) {
            case 0:
                return "-" + r.nextInt(1000);
            case 1:
                return Long.toString(Long.MAX_VALUE / (1 + r.nextInt(100)));
            case 2:
                return "0";
            case 3:
                return r.nextInt(100) + ".5";
            default:
                return Integer.toString(r.nextInt(100_000));
        }
    }
}
