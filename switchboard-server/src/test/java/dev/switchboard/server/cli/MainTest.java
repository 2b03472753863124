package dev.switchboard.server.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.switchboard.server.SwitchboardConfig;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line: help, version, dflockd's flags and variables, and one-line errors. */
class MainTest {
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(Map<String, String> env, String... args) {
        return Main.run(args, env, new PrintWriter(out, true), new PrintWriter(err, true));
    }

    private static SwitchboardConfig config(Map<String, String> env, String... args) {
        var cl = Main.commandLine(env);
        cl.parseArgs(args);
        return ((Main) cl.getCommand()).toConfig();
    }

    @Test
    void helpListsEveryDflockdOptionAndTheEnvironmentRule() {
        assertThat(run(Map.of(), "--help")).isZero();
        String help = out.toString();
        for (String flag : new String[] {"--host", "--port", "--default-lease-ttl", "--max-locks", "--max-waiters",
                "--max-connections", "--max-connections-per-ip", "--auth-token", "--auth-token-file",
                "--read-timeout", "--write-timeout", "--shutdown-timeout", "--auto-release-on-disconnect",
                "--gc-interval", "--gc-max-idle", "--lease-sweep-interval", "--tls-cert", "--tls-key",
                "--fence-state-file", "--max-subscriptions", "--data-dir", "--version"}) {
            assertThat(help).as(flag).contains(flag);
        }
        assertThat(help).contains("SWITCHBOARD_").contains("DFLOCKD_");
    }

    @Test
    void versionPrintsTheBuildVersion() {
        assertThat(run(Map.of(), "--version")).isZero();
        assertThat(out.toString()).startsWith("switchboard ").doesNotContain("unknown");
    }

    @Test
    void unknownFlagIsAOneLineErrorWithExitCode2() {
        assertThat(run(Map.of(), "--no-such-flag")).isEqualTo(2);
        assertThat(err.toString().lines().findFirst().orElseThrow()).startsWith("switchboard: ").contains("--no-such-flag");
    }

    @Test
    void invalidValueIsAOneLineErrorWithExitCode2() {
        assertThat(run(Map.of(), "--max-locks", "many")).isEqualTo(2);
        assertThat(err.toString()).startsWith("switchboard: ");
        assertThat(run(Map.of(), "--max-locks", "-1", "--port", "0")).isEqualTo(2);
        assertThat(err.toString()).contains("--max-locks must not be negative");
    }

    @Test
    void defaultsMatchDflockdExceptTheReadDeadline() {
        SwitchboardConfig c = config(Map.of());
        assertThat(c.host()).isEqualTo("127.0.0.1");
        assertThat(c.port()).isEqualTo(6388);
        assertThat(c.defaultLeaseTtl()).isEqualTo(Duration.ofSeconds(33));
        assertThat(c.maxLocks()).isEqualTo(1024);
        assertThat(c.gcInterval()).isEqualTo(Duration.ofSeconds(5));
        assertThat(c.gcMaxIdle()).isEqualTo(Duration.ofSeconds(60));
        assertThat(c.writeTimeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(c.shutdownTimeout()).isEqualTo(Duration.ofSeconds(30));
        assertThat(c.autoReleaseOnDisconnect()).isTrue();
        assertThat(c.readTimeout()).isEqualTo(Duration.ZERO);
    }

    @Test
    void flagBeatsSwitchboardVariableWhichBeatsDflockdVariable() {
        Map<String, String> env = Map.of("DFLOCKD_MAX_LOCKS", "7", "SWITCHBOARD_MAX_LOCKS", "8",
                "DFLOCKD_DEFAULT_LEASE_TTL_S", "42", "DFLOCKD_AUTO_RELEASE_ON_DISCONNECT", "no",
                "DFLOCKD_GC_LOOP_SLEEP", "9", "DFLOCKD_READ_TIMEOUT_S", "23");
        SwitchboardConfig c = config(env);
        assertThat(c.maxLocks()).isEqualTo(8);
        assertThat(c.defaultLeaseTtl()).isEqualTo(Duration.ofSeconds(42));
        assertThat(c.autoReleaseOnDisconnect()).isFalse();
        assertThat(c.gcInterval()).isEqualTo(Duration.ofSeconds(9));
        assertThat(c.readTimeout()).isEqualTo(Duration.ofSeconds(23));
        assertThat(config(env, "--max-locks", "9").maxLocks()).isEqualTo(9);
        assertThat(config(env, "--auto-release-on-disconnect=true").autoReleaseOnDisconnect()).isTrue();
    }

    @Test
    void theLockMailboxSizeHasADefaultAFlagAndAVariableAndMustBePositive() {
        assertThat(config(Map.of()).lockMailboxSize()).isEqualTo(4096);
        assertThat(config(Map.of("SWITCHBOARD_LOCK_MAILBOX_SIZE", "16")).lockMailboxSize()).isEqualTo(16);
        assertThat(config(Map.of("SWITCHBOARD_LOCK_MAILBOX_SIZE", "16"), "--lock-mailbox-size", "32").lockMailboxSize())
                .isEqualTo(32);
        assertThat(run(Map.of(), "--lock-mailbox-size", "0", "--port", "0")).isEqualTo(2);
        assertThat(err.toString()).contains("--lock-mailbox-size must be at least 1");
    }

    @Test
    void theSessionMailboxSizeHasADefaultAFlagAndAVariableAndMustBePositive() {
        assertThat(config(Map.of()).sessionMailboxSize()).isEqualTo(4096);
        assertThat(config(Map.of("SWITCHBOARD_SESSION_MAILBOX_SIZE", "16")).sessionMailboxSize()).isEqualTo(16);
        assertThat(config(Map.of("SWITCHBOARD_SESSION_MAILBOX_SIZE", "16"), "--session-mailbox-size", "32").sessionMailboxSize())
                .isEqualTo(32);
        assertThat(run(Map.of(), "--session-mailbox-size", "0", "--port", "0")).isEqualTo(2);
        assertThat(err.toString()).contains("--session-mailbox-size must be at least 1");
    }

    @Test
    void authTokenResolutionFollowsDflockd(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("token");
        Files.writeString(file, "  from-file\n");
        assertThat(config(Map.of(), "--auth-token-file", file.toString()).authToken()).isEqualTo("from-file");
        assertThat(config(Map.of("DFLOCKD_AUTH_TOKEN", "env"), "--auth-token-file", file.toString()).authToken())
                .isEqualTo("from-file");
        assertThat(config(Map.of("DFLOCKD_AUTH_TOKEN", " env ")).authToken()).isEqualTo("env");
        assertThat(config(Map.of("DFLOCKD_AUTH_TOKEN_FILE", file.toString())).authToken()).isEqualTo("from-file");
        assertThat(config(Map.of(), "--auth-token", "flag", "--auth-token-file", file.toString()).authToken())
                .isEqualTo("flag");
        Files.writeString(dir.resolve("empty"), "\n");
        assertThatThrownBy(() -> config(Map.of(), "--auth-token-file", dir.resolve("empty").toString()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("empty");
    }

    @Test
    void tlsNeedsBothFilesAndBadBooleansInTheEnvironmentAreRejected() {
        assertThatThrownBy(() -> config(Map.of(), "--tls-cert", "/tmp/c.pem"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--tls-key");
        assertThat(run(Map.of("DFLOCKD_AUTO_RELEASE_ON_DISCONNECT", "maybe"), "--port", "0")).isEqualTo(2);
        assertThat(err.toString()).startsWith("switchboard: ").contains("DFLOCKD_AUTO_RELEASE_ON_DISCONNECT")
                .contains("maybe");
    }

    @Test
    void aBadEnvironmentVariableIsReportedUnderItsOwnName() {
        assertThat(run(Map.of("SWITCHBOARD_PORT", "abc"))).isEqualTo(2);
        assertThat(err.toString().lines().findFirst().orElseThrow()).startsWith("switchboard: ")
                .contains("environment variable SWITCHBOARD_PORT").contains("'abc'");

        err.getBuffer().setLength(0);
        assertThat(run(Map.of("DFLOCKD_MAX_LOCKS", "-1"), "--port", "0")).isEqualTo(2);
        assertThat(err.toString()).startsWith("switchboard: ").contains("DFLOCKD_MAX_LOCKS").contains("must not be negative");

        // A flag typed on the command line is still named as the flag, even with the variable set too.
        err.getBuffer().setLength(0);
        assertThat(run(Map.of("SWITCHBOARD_PORT", "abc"), "--port", "xyz")).isEqualTo(2);
        assertThat(err.toString()).contains("--port").contains("'xyz'").doesNotContain("SWITCHBOARD_PORT");
    }

    @Test
    void portInUseIsAClearStartupError() throws Exception {
        try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            assertThat(run(Map.of(), "--port", String.valueOf(taken.getLocalPort()))).isEqualTo(1);
        }
    }
}
