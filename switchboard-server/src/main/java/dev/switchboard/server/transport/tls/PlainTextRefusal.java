package dev.switchboard.server.transport.tls;

import dev.switchboard.server.transport.Closing;
import dev.switchboard.server.transport.detect.ProtocolDetector;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * In front of the TLS handler of a TLS-only port: a connection that opens with a TLS handshake
 * record goes on; one that opens with plain HTTP gets a short 400 saying the port speaks TLS
 * (what a browser or curl shows its user); any other plain bytes end the connection without an
 * answer, as dflockd's TLS listener does. Each refusal is counted and logged (rate-limited).
 */
public final class PlainTextRefusal extends ByteToMessageDecoder {
    private static final byte TLS_HANDSHAKE = 0x16;
    private static final byte[] ANSWER;

    static {
        String body = "This port speaks TLS only: use https:// (or wss://).\n";
        ANSWER = ("HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: "
                + body.length() + "\r\nConnection: close\r\n\r\n" + body).getBytes(StandardCharsets.US_ASCII);
    }

    private final TlsFailures failures;

    public PlainTextRefusal(TlsFailures failures) {
        this.failures = failures;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (!in.isReadable()) return;
        if (in.getByte(in.readerIndex()) == TLS_HANDSHAKE) {
            ctx.pipeline().remove(this); // the bytes read so far go on to the TLS handler
            return;
        }
        ProtocolDetector.HttpGuess guess = ProtocolDetector.guessHttp(in);
        if (guess == ProtocolDetector.HttpGuess.UNDECIDED) return;
        boolean http = guess == ProtocolDetector.HttpGuess.HTTP;
        in.skipBytes(in.readableBytes());
        failures.plaintextRefused(ctx.channel().remoteAddress(), http);
        if (http) {
            Closing.close(ctx, Unpooled.wrappedBuffer(ANSWER)); // from here: past the TLS handler, in clear
        } else {
            ctx.close();
        }
    }
}
