package dev.switchboard.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.server.Switchboard;
import dev.switchboard.server.SwitchboardConfig;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * {@code switchboard token}: the example of docs/identity.md, run as written against a server
 * configured from the same environment, and its refusals.
 */
class TokenCommandTest {
    private static final String SECRET = "cli-test-secret-0123456789-abcdefghijkl";
    private static final Map<String, String> ENV = Map.of("SWITCHBOARD_TOKEN_SECRET", SECRET);

    record Run(int exit, String out, String err) {
    }

    static Run run(Map<String, String> env, List<String> args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = Main.run(args.toArray(String[]::new), env, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Run(exit, out.toString(), err.toString());
    }

    private static List<String> docExampleArgs() throws Exception {
        return docExampleArgs("identity.md", "TOKEN=$(bin/switchboard ");
    }

    /** The arguments of the doc's {@code <prefix>…)} line (a {@code VAR=$(bin/switchboard …)}), single quotes removed as the shell does. */
    static List<String> docExampleArgs(String doc, String prefix) throws Exception {
        String line = Files.readAllLines(Path.of("../docs/" + doc)).stream().filter(l -> l.startsWith(prefix))
                .findFirst().orElseThrow(() -> new AssertionError("docs/" + doc + " has no " + prefix + "… example"));
        String command = line.substring(prefix.length(), line.lastIndexOf(')'));
        List<String> args = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        boolean quoted = false;
        for (char c : command.toCharArray()) {
            if (c == '\'') {
                quoted = !quoted;
            } else if (c == ' ' && !quoted) {
                if (!current.isEmpty()) args.add(current.toString());
                current.setLength(0);
            } else {
                current.append(c);
            }
        }
        if (!current.isEmpty()) args.add(current.toString());
        return args;
    }

    private static List<String> helloAndPublish(int port, String token) throws Exception {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(5000);
            s.getOutputStream().write(("{\"op\":\"hello\",\"id\":1,\"version\":1,\"token\":\"" + token + "\"}\n"
                    + "{\"op\":\"topic.publish\",\"id\":2,\"topic\":\"chat.bob\",\"payload\":\"hi\"}\n").getBytes(StandardCharsets.UTF_8));
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
            return List.of(in.readLine(), in.readLine());
        }
    }

    @Test
    void theDocumentedExampleMintsATokenTheServerWelcomesAsItsPeer() throws Exception {
        List<String> args = docExampleArgs();
        assertThat(args.get(0)).isEqualTo("token");
        Run minted = run(ENV, args);
        assertThat(minted.exit()).as(minted.err()).isZero();
        String token = minted.out().strip();
        assertThat(token).startsWith("sb1.");

        CommandLine server = Main.commandLine(ENV);
        server.parseArgs("--port", "0");
        SwitchboardConfig config = ((Main) server.getCommand()).toConfig();
        try (Switchboard sb = Switchboard.start(config)) {
            List<String> answers = helloAndPublish(sb.port(), token);
            assertThat(answers.get(0)).startsWith("{\"op\":\"welcome\",\"id\":1,");
            assertThat(answers.get(1)).isEqualTo("{\"op\":\"error\",\"id\":2,\"error\":{\"code\":\"forbidden\","
                    + "\"message\":\"identity 'alice' may not publish on 'chat.bob'\"}}");
            // The doc's shell recipe for minting without Switchboard makes a token the server takes too.
            Process p = new ProcessBuilder("bash", "-c", shellRecipe()).redirectErrorStream(true).start();
            p.getOutputStream().close();
            assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
            String shellToken = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            assertThat(p.exitValue()).as(shellToken).isZero();
            assertThat(helloAndPublish(sb.port(), shellToken).get(1)).isEqualTo(answers.get(1));
        }
    }

    /** The doc's sh block that mints with openssl, with the secret set as its readers would. */
    private static String shellRecipe() throws Exception {
        String doc = Files.readString(Path.of("../docs/identity.md"));
        int start = doc.indexOf("```sh\nb64url()");
        assertThat(start).as("the openssl recipe in docs/identity.md").isPositive();
        String body = doc.substring(start + "```sh\n".length(), doc.indexOf("```", start + 6));
        return "SWITCHBOARD_TOKEN_SECRET='" + SECRET + "'\n" + body;
    }

    @Test
    void withoutASecretOrOverTheCapNothingIsMinted() {
        Run noSecret = run(Map.of(), List.of("token", "--peer", "alice"));
        assertThat(noSecret.exit()).isEqualTo(2);
        assertThat(noSecret.out()).isEmpty();
        assertThat(noSecret.err()).contains("no token secret");
        Run tooLong = run(ENV, List.of("token", "--peer", "alice", "--ttl", "2d"));
        assertThat(tooLong.exit()).isEqualTo(2);
        assertThat(tooLong.err()).contains("--token-max-ttl");
        Run reserved = run(ENV, List.of("token", "--peer", "anonymous"));
        assertThat(reserved.err()).contains("reserved");
        Run badPattern = run(ENV, List.of("token", "--peer", "alice", "--publish", "a..b"));
        assertThat(badPattern.exit()).isEqualTo(2);
        assertThat(badPattern.err()).contains("publish pattern");
        Run badTtl = run(ENV, List.of("token", "--peer", "alice", "--ttl", "soon"));
        assertThat(badTtl.err()).contains("is not a duration");
    }

    @Test
    void aShortSecretStopsTheServerWithAOneLineReason() {
        CommandLine server = Main.commandLine(Map.of("SWITCHBOARD_TOKEN_SECRET", "short"));
        server.parseArgs("--port", "0");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> ((Main) server.getCommand()).toConfig())
                .hasMessageContaining("at least 32 bytes");
    }
}
