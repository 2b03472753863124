package dev.switchboard.server.attack;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * WebSocket upgrades that then send the first fragment of a message (a text frame with FIN=0)
 * and never the rest, that send fragments adding up to more than {@code --max-frame-bytes}, or
 * that send nothing at all. Before the fix a fragment was parsed alone, nothing bounded a
 * connection before {@code hello}, and such connections stayed open for ever. Now the fragments
 * of a message are joined within the frame cap (over it: close code 1009), every connection
 * whose {@code hello} has not been answered is closed at {@code --handshake-timeout} (close code
 * 4004), and what they held — here up to {@value #HALF_MESSAGES} × 256 KB at once, more than a
 * third of the server's direct memory — is freed.
 */
class WebSocketFragmentAttackTest {
    private static final int HALF_MESSAGES = 60;
    private static final int OVERSIZED_MESSAGES = 30;
    private static final int SILENT = 60;
    private static final int HALF_MESSAGE_BYTES = 256 * 1024;
    /** Two fragments of this size exceed the default frame cap of 1 MiB, while each frame is under it. */
    private static final int OVERSIZED_FRAGMENT_BYTES = 600 * 1024;
    private static final int DEADLINE_SECONDS = 2;
    private static final long TIME_LIMIT_NANOS = TimeUnit.SECONDS.toNanos(10);
    private static final String UPGRADE = "GET /api/v1/ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
            + "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
    private static final int TEXT = 0x1;
    private static final int CONTINUATION = 0x0;
    private static final int CLOSE = 0x8;

    /** How an attacking connection behaves after its upgrade request, and how the server must end it. */
    private enum Kind {
        /** Right behind the upgrade, before reading the 101: the first 256 KB of a hello, then nothing. */
        HALF_MESSAGE("4004 handshake_timeout"),
        /** After the 101: two unfinished fragments that together exceed the frame cap. */
        OVERSIZED_MESSAGE("1009 frame_too_large"),
        /** Nothing after the upgrade. */
        SILENT("4004 handshake_timeout");

        final String expectedClose;

        Kind(String expectedClose) {
            this.expectedClose = expectedClose;
        }
    }

    private record Attacker(Kind kind, Socket socket) {
    }

    @Test
    void unfinishedAndOversizedFragmentsAreFreedAtTheDeadlineAndTheCap() throws Exception {
        try (SmallHeapServer server = SmallHeapServer.start("--handshake-timeout", String.valueOf(DEADLINE_SECONDS));
                DirectMemory direct = DirectMemory.of(server)) {
            attack(server, 3, 3, 3); // the same code paths once, before the baseline
            long heapBefore = server.liveHeapBytes();
            long directBefore = direct.usedBytes();

            attack(server, HALF_MESSAGES, OVERSIZED_MESSAGES, SILENT);

            server.assertRecovered(heapBefore);
            direct.assertBackNear(directBefore);
        }
    }

    private static void attack(SmallHeapServer server, int halves, int oversized, int silent) throws Exception {
        double timeoutsBefore = server.metric("switchboard_handshake_timeouts_total");
        List<Kind> kinds = new ArrayList<>();
        for (int i = 0; i < Math.max(halves, Math.max(oversized, silent)); i++) {
            if (i < halves) kinds.add(Kind.HALF_MESSAGE);
            if (i < oversized) kinds.add(Kind.OVERSIZED_MESSAGE);
            if (i < silent) kinds.add(Kind.SILENT);
        }
        List<Attacker> attackers = new ArrayList<>();
        try {
            long started = System.nanoTime();
            for (Kind kind : kinds) {
                assertThat(System.nanoTime() - started).as("time to open the connections").isLessThan(TIME_LIMIT_NANOS);
                attackers.add(new Attacker(kind, open(server.port(), kind)));
            }
            server.assertServing();
            for (Attacker a : attackers) {
                assertThat(closeFrame(a.socket())).as("how the server ended a %s connection", a.kind()).isEqualTo(a.kind().expectedClose);
            }
        } finally {
            for (Attacker a : attackers) a.socket().close();
        }
        assertThat(server.metric("switchboard_handshake_timeouts_total") - timeoutsBefore).isEqualTo(halves + silent);
    }

    private static Socket open(int port, Kind kind) throws IOException {
        Socket s = Wire.connect(port, Duration.ofSeconds(5));
        switch (kind) {
            case HALF_MESSAGE -> {
                byte[] opening = "{\"op\":\"hello\",\"id\":1,\"version\":1,\"pad\":\"".getBytes(StandardCharsets.US_ASCII);
                byte[] start = Arrays.copyOf(opening, HALF_MESSAGE_BYTES);
                Arrays.fill(start, opening.length, start.length, (byte) 'x');
                Wire.send(s, concat(UPGRADE.getBytes(StandardCharsets.US_ASCII), frame(false, TEXT, start)));
            }
            case OVERSIZED_MESSAGE -> {
                Wire.send(s, UPGRADE);
                assertThat(head(s)).startsWith("HTTP/1.1 101 ");
                byte[] part = new byte[OVERSIZED_FRAGMENT_BYTES];
                Arrays.fill(part, (byte) 'x');
                Wire.send(s, frame(false, TEXT, part));
                Wire.send(s, frame(false, CONTINUATION, part));
            }
            case SILENT -> Wire.send(s, UPGRADE);
        }
        return s;
    }

    /**
     * A client frame: masked, as RFC 6455 requires of clients, with a zero mask key so that the
     * payload goes out as it is (the server unmasks whatever the key).
     */
    private static byte[] frame(boolean fin, int opcode, byte[] payload) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(payload.length + 14);
        out.write((fin ? 0x80 : 0) | opcode);
        if (payload.length < 126) {
            out.write(0x80 | payload.length);
        } else if (payload.length <= 0xFFFF) {
            out.write(0x80 | 126);
            out.write(payload.length >>> 8);
            out.write(payload.length & 0xFF);
        } else {
            out.write(0x80 | 127);
            for (int shift = 56; shift >= 0; shift -= 8) out.write((int) ((long) payload.length >>> shift) & 0xFF);
        }
        out.writeBytes(new byte[4]);
        out.writeBytes(payload);
        return out.toByteArray();
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] both = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, both, a.length, b.length);
        return both;
    }

    /** The response head, up to its blank line. */
    private static String head(Socket s) throws IOException {
        StringBuilder head = new StringBuilder();
        InputStream in = s.getInputStream();
        for (int c; !head.toString().endsWith("\r\n\r\n") && (c = in.read()) >= 0; ) head.append((char) c);
        return head.toString();
    }

    /**
     * Reads what the server sends until it closes the connection: the 101 (unless already read),
     * server frames, and returns the code and reason of the Close frame, as {@code "4004 handshake_timeout"}.
     */
    private static String closeFrame(Socket s) throws IOException {
        InputStream in = s.getInputStream();
        byte[] all = in.readAllBytes(); // ends when the server closes; the socket's read timeout bounds it
        int at = 0;
        String text = new String(all, StandardCharsets.ISO_8859_1);
        if (text.startsWith("HTTP/1.1 101 ")) at = text.indexOf("\r\n\r\n") + 4;
        while (at + 2 <= all.length) {
            int opcode = all[at] & 0x0F;
            long length = all[at + 1] & 0x7F;
            at += 2;
            if (length == 126) {
                length = ((all[at] & 0xFF) << 8) | (all[at + 1] & 0xFF);
                at += 2;
            } else if (length == 127) {
                length = 0;
                for (int i = 0; i < 8; i++) length = (length << 8) | (all[at + i] & 0xFF);
                at += 8;
            }
            if (opcode == CLOSE) {
                int code = ((all[at] & 0xFF) << 8) | (all[at + 1] & 0xFF);
                return code + " " + new String(all, at + 2, (int) length - 2, StandardCharsets.UTF_8);
            }
            at += (int) length;
        }
        return "no Close frame in " + text;
    }
}
