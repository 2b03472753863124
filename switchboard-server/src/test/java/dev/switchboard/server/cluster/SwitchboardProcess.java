package dev.switchboard.server.cluster;

import dev.switchboard.cluster.testing.ExternalServer;
import java.io.File;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * One Switchboard node as a process of its own ({@code java -cp <the test classpath>
 * dev.switchboard.server.cli.Main}), on a loopback port it keeps across restarts, so that a test
 * can kill it with SIGKILL as an operator's machine would lose it.
 */
final class SwitchboardProcess extends ExternalServer {
    private final int port;
    private final List<String> options;

    /** @param options the node's options besides {@code --host} and {@code --port} */
    SwitchboardProcess(String name, List<String> options) {
        super(name);
        this.port = freePorts(1)[0];
        this.options = List.copyOf(options);
    }

    @Override
    protected List<String> command(Path dataDir) {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                // A small, quickly started JVM: several of these share a 2-core machine with the build.
                "-Xmx192m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xss512k",
                "-cp", testClassPath(), "dev.switchboard.server.cli.Main",
                "--host", "127.0.0.1", "--port", Integer.toString(port)));
        command.addAll(options);
        return command;
    }

    @Override
    protected int readyPort() {
        return port;
    }

    int port() {
        return port;
    }

    String httpUrl() {
        return "http://127.0.0.1:" + port;
    }

    /**
     * The classpath of the running tests. Surefire starts its JVM with a manifest-only jar on
     * {@code java.class.path} and gives the real classpath in {@code surefire.test.class.path};
     * an IDE gives it directly.
     */
    static String testClassPath() {
        String surefire = System.getProperty("surefire.test.class.path");
        String cp = surefire != null && !surefire.isBlank() ? surefire : System.getProperty("java.class.path");
        return String.join(File.pathSeparator, cp.split(File.pathSeparator));
    }
}
