package dev.switchboard.client;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.server.Switchboard;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.StringWriter;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * The Java examples of docs/clients.md, compiled and run against a real server: each {@code java}
 * block is a complete program whose {@code // prints: ...} comments are exactly what its main
 * thread prints, in order. The server is the one the page tells the reader to start.
 */
class ClientsDocTest {
    private static final Path DOC = Path.of("..", "docs", "clients.md");
    private static final Pattern BLOCK = Pattern.compile("^```java\\n(.*?)^```$", Pattern.DOTALL | Pattern.MULTILINE);
    private static final Pattern CLASS = Pattern.compile("^public class (\\w+)", Pattern.MULTILINE);
    private static final Pattern PRINTS = Pattern.compile("// prints: (.*)$", Pattern.MULTILINE);
    private static final Duration EXAMPLE_TIMEOUT = Duration.ofSeconds(20);

    private static Switchboard server;
    private static Path classes;

    private record Example(int line, String className, String code, List<String> expected) {
    }

    @BeforeAll
    static void startServerAndCompile() throws IOException {
        // bin/switchboard --auth-token demo-token --admin-token demo-admin --topic-history 'news.>=100'
        server = Switchboard.builder().port(0).authToken("demo-token").adminToken("demo-admin")
                .topicHistory("news.>=100").shutdownTimeout(Duration.ofSeconds(1)).start();
        classes = Files.createTempDirectory("clients-doc-examples");
    }

    @AfterAll
    static void stop() throws IOException {
        if (server != null) server.close();
        if (classes != null) {
            try (Stream<Path> files = Files.walk(classes)) {
                for (Path p : files.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
            }
        }
    }

    @TestFactory
    List<DynamicTest> everyJavaExampleOfThePagePrintsWhatItSays() throws IOException {
        List<Example> examples = examples(Files.readString(DOC));
        assertThat(examples).as("java blocks in docs/clients.md").hasSizeGreaterThanOrEqualTo(5);
        compile(examples);
        List<DynamicTest> tests = new ArrayList<>();
        for (Example e : examples) {
            tests.add(DynamicTest.dynamicTest("docs/clients.md line " + e.line() + " (" + e.className() + ")", () -> {
                assertThat(e.expected()).as("its // prints: lines").isNotEmpty();
                assertThat(run(e.className())).isEqualTo(e.expected());
            }));
        }
        return tests;
    }

    private static List<Example> examples(String markdown) {
        List<Example> examples = new ArrayList<>();
        Matcher block = BLOCK.matcher(markdown);
        while (block.find()) {
            String code = block.group(1);
            int line = (int) markdown.substring(0, block.start()).chars().filter(c -> c == '\n').count() + 1;
            Matcher name = CLASS.matcher(code);
            assertThat(name.find()).as("the java block at line %d declares a public class", line).isTrue();
            List<String> expected = new ArrayList<>();
            Matcher prints = PRINTS.matcher(code);
            while (prints.find()) expected.add(prints.group(1));
            examples.add(new Example(line, name.group(1), code, expected));
        }
        return examples;
    }

    /** Compiles every block at once (one compiler run), against the test class path. */
    private static void compile(List<Example> examples) throws IOException {
        Path sources = Files.createDirectories(classes.resolve("src"));
        List<Path> files = new ArrayList<>();
        for (Example e : examples) {
            files.add(Files.writeString(sources.resolve(e.className() + ".java"), e.code()));
        }
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        StringWriter diagnostics = new StringWriter();
        try (StandardJavaFileManager fm = javac.getStandardFileManager(null, null, StandardCharsets.UTF_8)) {
            Iterable<? extends JavaFileObject> units = fm.getJavaFileObjectsFromPaths(files);
            // Surefire may hand the JVM a manifest-only jar; this property has the real entries.
            String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
            List<String> options = List.of("-d", classes.toString(), "-classpath", classPath, "-proc:none", "-Xlint:none");
            boolean ok = javac.getTask(diagnostics, fm, null, options, null, units).call();
            assertThat(ok).as("the java blocks of docs/clients.md compile:\n%s", diagnostics).isTrue();
        }
    }

    /** Runs the example's main on a thread of its own; returns the lines that thread printed. */
    private static List<String> run(String className) throws Exception {
        System.setProperty("sb.port", String.valueOf(server.port()));
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        PrintStream original = System.out;
        try (URLClassLoader loader = new URLClassLoader(new URL[] {classes.toUri().toURL()}, ClientsDocTest.class.getClassLoader())) {
            Method main = loader.loadClass(className).getMethod("main", String[].class);
            Thread thread = new Thread(() -> {
                try {
                    main.invoke(null, (Object) new String[0]);
                } catch (InvocationTargetException e) {
                    failure.set(e.getCause());
                } catch (ReflectiveOperationException e) {
                    failure.set(e);
                }
            }, "doc-example-" + className);
            // Only what the example's own thread prints: the server and the clients log to stdout too.
            System.setOut(new PrintStream(new ThreadFilter(thread, printed, original), true, StandardCharsets.UTF_8));
            thread.start();
            thread.join(EXAMPLE_TIMEOUT.toMillis());
            assertThat(thread.isAlive()).as("%s still runs after %s", className, EXAMPLE_TIMEOUT).isFalse();
        } finally {
            System.setOut(original);
        }
        if (failure.get() != null) throw new AssertionError(className + " failed; it printed:\n" + printed, failure.get());
        String out = printed.toString(StandardCharsets.UTF_8).stripTrailing();
        return out.isEmpty() ? List.of() : List.of(out.split("\n"));
    }

    /** Sends one thread's output to {@code captured} and everyone else's to {@code others}. */
    private static final class ThreadFilter extends OutputStream {
        private final Thread thread;
        private final OutputStream captured;
        private final OutputStream others;

        ThreadFilter(Thread thread, OutputStream captured, OutputStream others) {
            this.thread = thread;
            this.captured = captured;
            this.others = others;
        }

        private OutputStream target() {
            return Thread.currentThread() == thread ? captured : others;
        }

        @Override
        public void write(int b) throws IOException {
            target().write(b);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            target().write(b, off, len);
        }

        @Override
        public void flush() throws IOException {
            target().flush();
        }
    }
}
