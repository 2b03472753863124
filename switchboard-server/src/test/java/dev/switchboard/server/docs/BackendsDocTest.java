package dev.switchboard.server.docs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.server.Switchboard;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the Python backend of docs/backends.md as written (standard library only) against a server
 * listening on a Unix socket, then the page's shell commands that call it over the HTTP API: the
 * documented answer and the documented application error must come back.
 */
class BackendsDocTest {
    private static final Pattern PYTHON = Pattern.compile("```python\\n(.*?)```", Pattern.DOTALL);
    private static final Pattern SHELL = Pattern.compile("```sh\\n(.*?)```", Pattern.DOTALL);

    @TempDir
    Path dir;

    @Test
    void thePythonBackendServesCallsFromTheShell() throws Exception {
        String doc = Files.readString(Path.of("..", "docs", "backends.md"));
        Matcher py = PYTHON.matcher(doc);
        assertThat(py.find()).as("a python block in docs/backends.md").isTrue();
        Path script = dir.resolve("greeter.py");
        Files.writeString(script, py.group(1));
        Path socket = dir.resolve("switchboard.sock");
        try (Switchboard sb = Switchboard.builder().port(0).unixSocket(socket).shutdownTimeout(Duration.ofSeconds(1)).start()) {
            Process backend = new ProcessBuilder("python3", script.toString(), socket.toString()).redirectErrorStream(true).start();
            try {
                BufferedReader out = new BufferedReader(new InputStreamReader(backend.getInputStream(), StandardCharsets.UTF_8));
                String first = CompletableFuture.supplyAsync(() -> {
                    try {
                        return out.readLine();
                    } catch (IOException e) {
                        return e.toString();
                    }
                }).get(30, TimeUnit.SECONDS);
                assertThat(first).isEqualTo("serving greet.* on " + socket);

                // The page's shell commands after the two that start the processes (the test started them).
                Matcher sh = SHELL.matcher(doc);
                assertThat(sh.find()).as("a shell block in docs/backends.md").isTrue();
                String[] lines = sh.group(1).split("\n");
                String calls = String.join("\n", java.util.Arrays.copyOfRange(lines, 2, lines.length))
                        .replace("sleep 1; ", "")
                        .replace("127.0.0.1:6388", "127.0.0.1:" + sb.port());
                assertThat(bash(calls)).isEqualTo("{\"payload\":{\"greeting\":\"Hello, Ada!\"}}");
                assertThat(bash(calls.replace("{\"name\":\"Ada\"}", "{}")))
                        .isEqualTo("{\"code\":\"bad_request\",\"message\":\"a name is required\",\"origin\":\"application\"}");
            } finally {
                backend.destroy();
                backend.waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    private String bash(String script) throws Exception {
        Process p = new ProcessBuilder("bash", "-c", "set -eu\n" + script).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(output).isZero();
        return output;
    }
}
