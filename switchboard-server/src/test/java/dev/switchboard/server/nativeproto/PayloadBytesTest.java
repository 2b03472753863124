package dev.switchboard.server.nativeproto;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.server.Switchboard;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** A signal's payload crosses protocols as the same bytes: native JSON in, dflockd's line out, and back. */
class PayloadBytesTest {

    @Test
    void aPayloadPublishedOverJsonReachesADflockdListenerByteForByte() throws Exception {
        try (Switchboard sb = Switchboard.builder().port(0).shutdownTimeout(Duration.ofSeconds(1)).start();
             Socket listener = new Socket("127.0.0.1", sb.port());
             NativeClient publisher = NativeClient.hello(sb.port())) {
            listener.setSoTimeout(5_000);
            listener.getOutputStream().write("listen\nbytes.x\n\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(readLine(listener.getInputStream())).isEqualTo("ok".getBytes(StandardCharsets.US_ASCII));

            String payload = "héllo ✓ \uD83D\uDE00";
            assertThat(publisher.request("{\"op\":\"signal.publish\",\"id\":1,\"channel\":\"bytes.x\",\"payload\":\""
                    + payload + "\"}", 1).at("/result/delivered").asInt()).isEqualTo(1);

            assertThat(readLine(listener.getInputStream()))
                    .isEqualTo(("sig bytes.x " + payload).getBytes(StandardCharsets.UTF_8));

            // And back: a dflockd publisher's bytes reach a native listener as the same text.
            publisher.request("{\"op\":\"signal.listen\",\"id\":2,\"pattern\":\"back.x\"}", 2);
            listener.getOutputStream().write(("signal\nback.x\n" + payload + "\n").getBytes(StandardCharsets.UTF_8));
            assertThat(new String(readLine(listener.getInputStream()), StandardCharsets.US_ASCII)).isEqualTo("ok 1");
            assertThat(publisher.read().path("payload").asString()).isEqualTo(payload);
        }
    }

    private static byte[] readLine(InputStream in) throws Exception {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        for (int b; (b = in.read()) != '\n'; ) {
            if (b < 0) throw new java.io.EOFException();
            line.write(b);
        }
        return line.toByteArray();
    }
}
