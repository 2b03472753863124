package dev.switchboard.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.LineBasedFrameDecoder;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

class CodecTest {
    private final JsonMapper mapper = JsonMapper.builder().build();

    @Test
    void encoderWritesOneCompactObjectPerLine() {
        EmbeddedChannel ch = new EmbeddedChannel(new JsonLineEncoder(mapper));
        ObjectNode msg = mapper.createObjectNode().put("op", "lock.acquire").put("id", 7).put("key", "a\nb");

        ch.writeOutbound(msg);
        ByteBuf out = ch.readOutbound();
        String text = out.toString(StandardCharsets.UTF_8);
        out.release();

        assertThat(text).endsWith("\n");
        assertThat(text.indexOf('\n')).as("the newline inside the key is escaped").isEqualTo(text.length() - 1);
        assertThat(mapper.readTree(text).get("key").stringValue()).isEqualTo("a\nb");
    }

    @Test
    void decoderSplitsLinesAndSkipsBlankAndNonObjectLines() {
        EmbeddedChannel ch = new EmbeddedChannel(new LineBasedFrameDecoder(1024), new JsonLineDecoder(mapper));
        String wire = "{\"op\":\"reply\",\"id\":1,\"result\":{}}\r\n\n[1,2]\nnot json\n{\"op\":\"ping\"}\n";

        ch.writeInbound(Unpooled.copiedBuffer(wire, StandardCharsets.UTF_8));

        JsonNode first = ch.readInbound();
        JsonNode second = ch.readInbound();
        assertThat(first.get("op").stringValue()).isEqualTo("reply");
        assertThat(first.get("id").asLong()).isEqualTo(1);
        assertThat(second.get("op").stringValue()).isEqualTo("ping");
        Object rest = ch.readInbound();
        assertThat(rest).isNull();
    }

    @Test
    void errorCodesMapToTypedExceptions() {
        assertThat(ErrorCodes.toException("not_held", "m")).isInstanceOf(NotHeldException.class)
                .extracting(SwitchboardException::code).isEqualTo("not_held");
        assertThat(ErrorCodes.toException("lease_expired", "m")).isInstanceOf(LeaseExpiredException.class);
        assertThat(ErrorCodes.toException("limit_mismatch", "m")).isInstanceOf(LimitMismatchException.class);
        assertThat(ErrorCodes.toException("max_locks", "m")).isInstanceOf(MaxLocksException.class);
        assertThat(ErrorCodes.toException("max_waiters", "m")).isInstanceOf(MaxWaitersException.class);
        assertThat(ErrorCodes.toException("already_enqueued", "m")).isInstanceOf(AlreadyEnqueuedException.class);
        assertThat(ErrorCodes.toException("not_enqueued", "m")).isInstanceOf(NotEnqueuedException.class);
        assertThat(ErrorCodes.toException("unauthorized", "m")).isInstanceOf(UnauthorizedException.class);
        assertThat(ErrorCodes.toException("draining", "m")).isInstanceOf(DrainingException.class);
        SwitchboardException other = ErrorCodes.toException("some_future_code", "text");
        assertThat(other.getClass()).isEqualTo(SwitchboardException.class);
        assertThat(other.code()).isEqualTo("some_future_code");
        assertThat(other.getMessage()).contains("text");
    }
}
