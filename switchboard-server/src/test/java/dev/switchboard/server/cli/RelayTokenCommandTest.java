package dev.switchboard.server.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.switchboard.protocol.relay.RelayAuth;
import dev.switchboard.protocol.relay.RelayMessageType;
import dev.switchboard.protocol.relay.RelayPeerId;
import dev.switchboard.server.Switchboard;
import dev.switchboard.server.SwitchboardConfig;
import dev.switchboard.server.cli.TokenCommandTest.Run;
import dev.switchboard.server.ws.WsClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code switchboard token --relay}: the example of docs/relay.md ("Serving /relay"), run as written
 * against a server configured from the same environment, over a real {@code /relay} connection.
 */
class RelayTokenCommandTest {
    private static final String SECRET = "relay-cli-secret-0123456789";
    private static final Map<String, String> ENV = Map.of("SWITCHBOARD_RELAY_AUTH_SECRET", SECRET);
    private static final String DOC_PREFIX = "RELAY_TOKEN=$(bin/switchboard ";

    /** Sends Auth as {@code claimed} with {@code token} on a fresh /relay connection; true when the server answered AuthResponse. */
    private static boolean admitted(int port, RelayPeerId claimed, byte[] token) throws Exception {
        try (WsClient c = new WsClient(port, null, "/relay")) {
            c.sendBinary(new RelayAuth(claimed, token).toBytes());
            await().atMost(Duration.ofSeconds(5)).until(() -> !c.binaries.isEmpty() || c.isClosed());
            byte[] answer = c.binaries.poll();
            return answer != null && answer[1] == RelayMessageType.AUTH_RESPONSE.code();
        }
    }

    @Test
    void theDocumentedTokenAdmitsItsPeerOverRelayAndNoOtherId() throws Exception {
        List<String> args = TokenCommandTest.docExampleArgs("relay.md", DOC_PREFIX);
        assertThat(args).startsWith("token", "--relay");
        Run minted = TokenCommandTest.run(ENV, args);
        assertThat(minted.exit()).as(minted.err()).isZero();
        String printed = minted.out().strip();
        byte[] token = Base64.getDecoder().decode(printed);
        RelayPeerId alice = RelayPeerId.hashOf("alice");
        assertThat(minted.err().strip()).isEqualTo("peer id: " + alice);

        // The doc's decoding line shows the payload: the expiry, 12 h ahead, and the bound id.
        String payload = docDecodingLine(printed);
        assertThat(payload).endsWith(":" + alice);
        long expiry = Long.parseLong(payload.substring(0, payload.indexOf(':')));
        assertThat(expiry - Instant.now().getEpochSecond()).isBetween(12 * 3600L - 60, 12 * 3600L);

        CommandLine server = Main.commandLine(ENV);
        server.parseArgs("--port", "0");
        SwitchboardConfig config = ((Main) server.getCommand()).toConfig();
        try (Switchboard sb = Switchboard.start(config)) {
            assertThat(admitted(sb.port(), alice, token)).as("alice is admitted").isTrue();
            assertThat(admitted(sb.port(), RelayPeerId.hashOf("mallory"), token)).as("another id is refused").isFalse();
        }
    }

    /** Runs the doc's {@code echo "$RELAY_TOKEN" | base64 -d …} line with the token set, as a reader would. */
    private static String docDecodingLine(String token) throws Exception {
        String line = Files.readAllLines(Path.of("../docs/relay.md")).stream().filter(l -> l.startsWith("echo \"$RELAY_TOKEN\""))
                .findFirst().orElseThrow(() -> new AssertionError("docs/relay.md has no decoding line"));
        Process p = new ProcessBuilder("bash", "-c", "RELAY_TOKEN='" + token + "'\n" + line).redirectErrorStream(true).start();
        p.getOutputStream().close();
        assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).strip();
        assertThat(p.exitValue()).as(out).isZero();
        return out;
    }

    @Test
    void aTokenForAPrintedIdFromASecretFileAdmitsThatIdAndAnUnboundOneOnlyWhereAllowed(@TempDir Path dir) throws Exception {
        Path secretFile = dir.resolve("relay-secret");
        Files.writeString(secretFile, SECRET + "\n");
        RelayPeerId bob = RelayPeerId.hashOf("bob");
        Run byId = TokenCommandTest.run(Map.of(), List.of("token", "--relay", "--relay-auth-secret-file", secretFile.toString(),
                "--peer-id", bob.toString(), "--ttl", "90s"));
        assertThat(byId.exit()).as(byId.err()).isZero();
        Run unbound = TokenCommandTest.run(ENV, List.of("token", "--relay", "--unbound"));
        assertThat(unbound.exit()).as(unbound.err()).isZero();
        assertThat(unbound.err()).as("no peer id to tell").isEmpty();

        CommandLine strict = Main.commandLine(ENV);
        strict.parseArgs("--port", "0");
        try (Switchboard sb = Switchboard.start(((Main) strict.getCommand()).toConfig())) {
            assertThat(admitted(sb.port(), bob, Base64.getDecoder().decode(byId.out().strip()))).isTrue();
            assertThat(admitted(sb.port(), bob, Base64.getDecoder().decode(unbound.out().strip())))
                    .as("an unbound token is refused by default").isFalse();
        }
        CommandLine lenient = Main.commandLine(ENV);
        lenient.parseArgs("--port", "0", "--relay-allow-unbound-tokens");
        try (Switchboard sb = Switchboard.start(((Main) lenient.getCommand()).toConfig())) {
            assertThat(admitted(sb.port(), RelayPeerId.hashOf("anyone"), Base64.getDecoder().decode(unbound.out().strip()))).isTrue();
        }
    }

    @Test
    void nothingIsMintedWithoutASecretAPeerOrWithinTheCap() {
        Run noSecret = TokenCommandTest.run(Map.of(), List.of("token", "--relay", "--peer-key", "alice"));
        assertThat(noSecret.exit()).isEqualTo(2);
        assertThat(noSecret.out()).isEmpty();
        assertThat(noSecret.err()).contains("no relay secret");
        Run noPeer = TokenCommandTest.run(ENV, List.of("token", "--relay"));
        assertThat(noPeer.exit()).isEqualTo(2);
        assertThat(noPeer.err()).contains("exactly one of --peer-key, --peer-id and --unbound");
        Run badId = TokenCommandTest.run(ENV, List.of("token", "--relay", "--peer-id", "alice"));
        assertThat(badId.exit()).isEqualTo(2);
        assertThat(badId.err()).contains("--peer-id 'alice'");
        Run tooLong = TokenCommandTest.run(ENV, List.of("token", "--relay", "--peer-key", "alice", "--ttl", "2d"));
        assertThat(tooLong.exit()).isEqualTo(2);
        assertThat(tooLong.err()).contains("--relay-token-max-lifetime");
        Run withPermissions = TokenCommandTest.run(ENV, List.of("token", "--relay", "--peer-key", "alice", "--publish", "x"));
        assertThat(withPermissions.exit()).isEqualTo(2);
        assertThat(withPermissions.err()).contains("no permissions");
        Run keyWithoutRelay = TokenCommandTest.run(Map.of("SWITCHBOARD_TOKEN_SECRET", "cli-test-secret-0123456789-abcdefghijkl"),
                List.of("token", "--peer", "alice", "--peer-key", "alice"));
        assertThat(keyWithoutRelay.exit()).isEqualTo(2);
        assertThat(keyWithoutRelay.err()).contains("go with --relay");
    }
}
