package dev.switchboard.server.admin;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.server.Switchboard;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.reflect.Method;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code switchboard sessions list|close} run in-process (Main.run) against an embedded server:
 * the table, closing, and one-line errors with exit code 1 (server refused, no such session,
 * unreachable) or 2 (usage).
 */
class SessionsCliTest {
    private static final String ADMIN = "cli-admin-token";
    private static Switchboard sb;
    private static String server;

    private StringWriter out;
    private StringWriter err;

    @BeforeAll
    static void start() {
        sb = Switchboard.builder().port(0).adminToken(ADMIN).start();
        server = "http://127.0.0.1:" + sb.port();
    }

    @AfterAll
    static void stop() {
        if (sb != null) sb.close();
    }

    @BeforeEach
    void buffers() {
        out = new StringWriter();
        err = new StringWriter();
    }

    /** Main.run is package-private in dev.switchboard.server.cli; the test lives with the admin tests. */
    private int run(Map<String, String> env, String... args) throws Exception {
        Class<?> main = Class.forName("dev.switchboard.server.cli.Main");
        Method run = main.getDeclaredMethod("run", String[].class, Map.class, PrintWriter.class, PrintWriter.class);
        run.setAccessible(true);
        return (int) run.invoke(null, args, env, new PrintWriter(out, true), new PrintWriter(err, true));
    }

    private int run(String... args) throws Exception {
        return run(Map.of(), args);
    }

    @Test
    void listPrintsTheSessionsAsATable() throws Exception {
        try (AdminApiTest.NativeTcp n = AdminApiTest.NativeTcp.hello(sb.port())) {
            n.request("{\"op\":\"lock.acquire\",\"id\":2,\"key\":\"cli-list\",\"timeout_ms\":0}");
            n.request("{\"op\":\"signal.listen\",\"id\":3,\"pattern\":\"cli.>\"}");
            assertThat(run("sessions", "list", "--server", server, "--admin-token", ADMIN)).as(err.toString()).isZero();
            List<String> lines = out.toString().lines().toList();
            assertThat(lines.get(0)).matches("ID +TRANSPORT +REMOTE +CONNS +AGE +LOCKS +SUBS +QUEUE");
            String row = lines.stream().filter(l -> l.startsWith(n.session)).findFirst().orElseThrow(
                    () -> new AssertionError("no row for " + n.session + " in\n" + out));
            assertThat(row.split(" +")).containsExactly(n.session, "json",
                    "/127.0.0.1:" + n.socket.getLocalPort(), "1", row.split(" +")[4], "1", "1", "0");
            assertThat(row.split(" +")[4]).matches("\\d+s");
            assertThat(out.toString()).doesNotContain(n.resumeKey);
            assertThat(err.toString()).isEmpty();
        }
    }

    @Test
    void theTokenMayComeFromTheEnvironmentOrAFile(@TempDir Path dir) throws Exception {
        assertThat(run(Map.of("SWITCHBOARD_ADMIN_TOKEN", ADMIN), "sessions", "list", "--server", server)).as(err.toString()).isZero();
        assertThat(run(Map.of("DFLOCKD_ADMIN_TOKEN", ADMIN, "SWITCHBOARD_SERVER", server), "sessions", "list")).as(err.toString()).isZero();
        Path file = dir.resolve("admin");
        Files.writeString(file, ADMIN + "\n");
        // The flag beats the environment.
        assertThat(run(Map.of("SWITCHBOARD_ADMIN_TOKEN", "wrong"), "sessions", "list", "--server", server,
                "--admin-token-file", file.toString())).as(err.toString()).isZero();
    }

    @Test
    void closeEndsTheSession() throws Exception {
        try (AdminApiTest.NativeTcp n = AdminApiTest.NativeTcp.hello(sb.port())) {
            assertThat(run("sessions", "close", n.session, "--reason", "stuck client", "--server", server, "--admin-token", ADMIN))
                    .as(err.toString()).isZero();
            assertThat(out.toString().trim()).isEqualTo("closed session " + n.session);
            assertThat(n.read().path("error").path("code").asString()).isEqualTo("session_closed");
        }
    }

    @Test
    void aBadTokenIsExitCode1WithAClearMessage() throws Exception {
        assertThat(run("sessions", "list", "--server", server, "--admin-token", "nope")).isEqualTo(1);
        assertThat(err.toString().lines().toList()).hasSize(1);
        assertThat(err.toString()).startsWith("switchboard: ").contains("refused the admin token").contains("401");
        assertThat(out.toString()).isEmpty();
    }

    @Test
    void anUnknownIdIsExitCode1() throws Exception {
        String id = "0123456789abcdef0123456789abcdef";
        assertThat(run("sessions", "close", id, "--server", server, "--admin-token", ADMIN)).isEqualTo(1);
        assertThat(err.toString().lines().toList()).hasSize(1);
        assertThat(err.toString()).startsWith("switchboard: ").contains("no session " + id).contains("session_not_found");
    }

    @Test
    void adminDisabledAndUnreachableServersAreExitCode1() throws Exception {
        try (Switchboard plain = Switchboard.builder().port(0).start()) {
            assertThat(run("sessions", "list", "--server", "http://127.0.0.1:" + plain.port(), "--admin-token", ADMIN)).isEqualTo(1);
            assertThat(err.toString()).startsWith("switchboard: ").contains("admin API is disabled");
        }
        int free;
        try (ServerSocket s = new ServerSocket(0)) {
            free = s.getLocalPort();
        }
        buffers();
        assertThat(run("sessions", "list", "--server", "http://127.0.0.1:" + free, "--admin-token", ADMIN)).isEqualTo(1);
        assertThat(err.toString()).startsWith("switchboard: ").contains("cannot connect");
    }

    @Test
    void usageErrorsAreExitCode2() throws Exception {
        assertThat(run("sessions", "list", "--server", server)).isEqualTo(2);
        assertThat(err.toString()).startsWith("switchboard: no admin token");
        buffers();
        assertThat(run("sessions", "close", "--server", server, "--admin-token", ADMIN)).isEqualTo(2);
        assertThat(err.toString()).startsWith("switchboard: ").contains("ID");
        buffers();
        assertThat(run("sessions", "list", "--server", "ftp://x", "--admin-token", ADMIN)).isEqualTo(2);
        assertThat(err.toString()).startsWith("switchboard: invalid --server");
        buffers();
        assertThat(run("sessions", "frobnicate")).isEqualTo(2);
        assertThat(err.toString()).startsWith("switchboard: ");
        buffers();
        assertThat(run("sessions")).isEqualTo(2);
        assertThat(err.toString()).startsWith("switchboard: ");
    }

    /** The server side: --admin-token, --admin-token-file and the variables, in the auth token's order. */
    @Test
    void theServerResolvesItsAdminToken(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("admin");
        Files.writeString(file, "  from-file\n");
        assertThat(adminToken(Map.of())).isNull();
        assertThat(adminToken(Map.of(), "--admin-token", " flag ")).isEqualTo("flag");
        assertThat(adminToken(Map.of(), "--admin-token-file", file.toString())).isEqualTo("from-file");
        assertThat(adminToken(Map.of("SWITCHBOARD_ADMIN_TOKEN", "sb"))).isEqualTo("sb");
        assertThat(adminToken(Map.of("DFLOCKD_ADMIN_TOKEN", "df"))).isEqualTo("df");
        assertThat(adminToken(Map.of("SWITCHBOARD_ADMIN_TOKEN", "sb", "DFLOCKD_ADMIN_TOKEN", "df"))).isEqualTo("sb");
        assertThat(adminToken(Map.of("DFLOCKD_ADMIN_TOKEN_FILE", file.toString()))).isEqualTo("from-file");
        assertThat(adminToken(Map.of("SWITCHBOARD_ADMIN_TOKEN", "env"), "--admin-token-file", file.toString())).isEqualTo("from-file");
        assertThat(adminToken(Map.of(), "--admin-token", "flag", "--admin-token-file", file.toString())).isEqualTo("flag");
        assertThat(run(Map.of(), "--admin-token", "same", "--auth-token", "same", "--port", "0")).isEqualTo(2);
        assertThat(err.toString()).startsWith("switchboard: invalid setting: ").contains("differ");
        Files.writeString(dir.resolve("empty"), "\n");
        buffers();
        assertThat(run(Map.of(), "--admin-token-file", dir.resolve("empty").toString(), "--port", "0")).isEqualTo(2);
        assertThat(err.toString()).contains("admin token").contains("empty");
    }

    private static String adminToken(Map<String, String> env, String... args) throws Exception {
        Class<?> main = Class.forName("dev.switchboard.server.cli.Main");
        Method commandLine = main.getDeclaredMethod("commandLine", Map.class);
        commandLine.setAccessible(true);
        picocli.CommandLine cl = (picocli.CommandLine) commandLine.invoke(null, env);
        cl.parseArgs(args);
        Method toConfig = main.getDeclaredMethod("toConfig");
        toConfig.setAccessible(true);
        return ((dev.switchboard.server.SwitchboardConfig) toConfig.invoke(cl.getCommand())).adminToken();
    }

    @Test
    void helpOfTheServerIsUnchangedAndNamesTheSubcommand() throws Exception {
        assertThat(run("--help")).isZero();
        assertThat(out.toString()).contains("--port").contains("--admin-token").contains("sessions");
        buffers();
        assertThat(run("sessions", "list", "--help")).isZero();
        assertThat(out.toString()).contains("--server").contains("--admin-token");
        buffers();
        // --help never shows a token from the environment.
        assertThat(run(Map.of("SWITCHBOARD_ADMIN_TOKEN", "env-secret"), "--help")).isZero();
        assertThat(run(Map.of("SWITCHBOARD_ADMIN_TOKEN", "env-secret"), "sessions", "list", "--help")).isZero();
        assertThat(out.toString()).doesNotContain("env-secret");
    }
}
