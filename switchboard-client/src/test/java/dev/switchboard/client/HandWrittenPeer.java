package dev.switchboard.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * The server end of a connection spoken by hand, for what the real server never does (goes silent,
 * answers in pieces, sends a message too large): accepts one client and completes its handshake.
 */
record HandWrittenPeer(Socket socket, BufferedReader in, OutputStream out) {
    /** Accepts the next client, reads its hello and welcomes it with the given heartbeat interval. */
    static HandWrittenPeer acceptAndWelcome(ServerSocket listener, int heartbeatMs) throws IOException {
        Socket s = listener.accept();
        BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
        String hello = in.readLine();
        assertThat(hello).contains("\"op\":\"hello\"").contains("\"version\":1");
        HandWrittenPeer peer = new HandWrittenPeer(s, in, s.getOutputStream());
        peer.send("{\"op\":\"welcome\",\"id\":1,\"session\":\"" + "a".repeat(32) + "\",\"protocol\":1,"
                + "\"server\":\"switchboard/test\",\"heartbeat_ms\":" + heartbeatMs + ",\"limits\":{\"max_frame_bytes\":1048576,"
                + "\"max_locks\":1024,\"max_waiters\":0,\"default_lease_ms\":33000,\"max_lease_ms\":60000}}\n");
        return peer;
    }

    /** Writes {@code text} as it is (no line end added) and flushes it. */
    void send(String text) throws IOException {
        out.write(text.getBytes(StandardCharsets.UTF_8));
        out.flush();
    }
}
