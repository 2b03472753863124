package dev.switchboard.bench.chaos;

import java.io.IOException;
import java.util.concurrent.TimeUnit;

/** A {@link Disruption} made by a shell command ({@code sh -c}), e.g. {@code systemctl restart nats-server}. */
final class ShellDisruption {
    /** A restart command that has not returned by then is taken as failed (and killed). */
    private static final long TIMEOUT_SECONDS = 120;

    private ShellDisruption() {
    }

    static Disruption of(String name, String command) {
        return new Disruption(name, () -> run(command));
    }

    private static void run(String command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("sh", "-c", command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException("'" + command + "' did not finish within " + TIMEOUT_SECONDS + " s");
        }
        if (p.exitValue() != 0) {
            throw new IOException("'" + command + "' exited with " + p.exitValue());
        }
    }
}
