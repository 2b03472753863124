package dev.switchboard.server.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.switchboard.server.Switchboard;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Runs the curl examples of docs/http-api.md, in order, against a fresh server and compares each
 * answer with the {@code http-response} block under it: status line, the headers shown, and the
 * body. {@code <session>}, {@code <token>} (and {@code <session2>}, {@code <token3>}, ...) match
 * 32 hex digits and bind {@code $SESSION}, {@code $TOKEN}, ... for the later commands;
 * {@code <int>} and {@code <number>} match a number and {@code <...>} any text. A command ending
 * in {@code &} runs in the background: the next command starts once its stream has begun, and its
 * answer is compared when it ends.
 */
class HttpApiDocTest {
    private static final Path DOC = Path.of("..", "docs", "http-api.md");
    private static final Path README = Path.of("..", "README.md");
    private static final Path CURL = Path.of("/usr/bin/curl");
    private static final Pattern FENCE = Pattern.compile("^```([a-z-]*)\\n(.*?)^```[ \\t]*$", Pattern.DOTALL | Pattern.MULTILINE);
    private static final Pattern PLACEHOLDER = Pattern.compile("<(session|token|key)(\\d*)>|<int>|<number>|<\\.\\.\\.>");
    private static final long TIMEOUT_S = 20;

    /** One example: a curl command and the answer documented for it. */
    record Example(int line, String command, String expected) {
    }

    /** A command left running in the background, with its output so far. */
    record Background(Example example, Process process, Thread pump, ByteArrayOutputStream output) {
    }

    @Test
    void curlExamplesAnswerAsDocumented() throws Exception {
        runExamplesOf(DOC, 10);
    }

    @Test
    void readmeHttpExamplesAnswerAsShown() throws Exception {
        runExamplesOf(README, 3);
    }

    private void runExamplesOf(Path doc, int atLeast) throws Exception {
        requireCurl();
        List<Example> examples = examples(Files.readString(doc));
        assertThat(examples).as("curl examples in " + doc).hasSizeGreaterThanOrEqualTo(atLeast);

        try (Switchboard sb = Switchboard.builder().port(0).start()) {
            Map<String, String> vars = new HashMap<>();
            vars.put("SB", "http://127.0.0.1:" + sb.port());
            run(examples, vars);
        }
    }

    /** curl must be there; in CI its absence fails the test rather than skipping it. */
    static void requireCurl() {
        if (!Files.isExecutable(CURL)) {
            String why = CURL + " is missing; the doc tests run the curl examples of the docs with it";
            if (System.getenv("CI") != null) fail(why + " (and CI is set, so this is not skipped)");
            Assumptions.abort(why);
        }
    }

    /** Runs the examples in order with curl, checking each answer and binding the variables it names. */
    static void run(List<Example> examples, Map<String, String> vars) throws Exception {
        List<Background> background = new ArrayList<>();
        try {
            for (Example ex : examples) {
                List<String> words = words(ex.command(), vars, ex);
                boolean inBackground = !words.isEmpty() && words.get(words.size() - 1).equals("&");
                if (inBackground) words = words.subList(0, words.size() - 1);
                assertThat(words).as("%s: a command starting with curl", where(ex)).isNotEmpty();
                assertThat(words.get(0)).as("%s: a command starting with curl", where(ex)).isEqualTo("curl");
                List<String> argv = new ArrayList<>(List.of(CURL.toString(), "-sS", "-i", "--max-time", "15"));
                argv.addAll(words.subList(1, words.size()));
                Process p = new ProcessBuilder(argv).redirectErrorStream(false).start();
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                Thread pump = pump(p.getInputStream(), out);
                if (inBackground) {
                    background.add(new Background(ex, p, pump, out));
                    awaitStreamStart(ex, p, out);
                    continue;
                }
                finish(ex, p, pump, false);
                check(ex, text(out), vars);
            }
            for (Background b : background) {
                finish(b.example(), b.process(), b.pump(), true);
                check(b.example(), text(b.output()), vars);
            }
        } finally {
            for (Background b : background) b.process().destroyForcibly();
        }
    }

    /** Every {@code sh} block, which must hold one curl command and be followed by an http-response block. */
    static List<Example> examples(String doc) {
        List<Example> out = new ArrayList<>();
        Matcher m = FENCE.matcher(doc);
        Example pending = null;
        while (m.find()) {
            int line = doc.substring(0, m.start()).split("\n", -1).length;
            String lang = m.group(1);
            if (lang.equals("sh")) {
                assertThat(pending).as("http-api.md:%d: the sh block before it has no http-response block", line).isNull();
                String command = m.group(2).replace("\\\n", " ").strip();
                assertThat(command.lines().count()).as("http-api.md:%d: one command per sh block", line).isEqualTo(1);
                pending = new Example(line, command, null);
            } else if (lang.equals("http-response")) {
                assertThat(pending).as("http-api.md:%d: an http-response block without a curl command before it", line).isNotNull();
                out.add(new Example(pending.line(), pending.command(), m.group(2)));
                pending = null;
            }
        }
        assertThat(pending).as("the last sh block has no http-response block").isNull();
        return out;
    }

    /** Shell words: single quotes literal, double quotes and bare words with $VAR, ${VAR} and backslash escapes. */
    static List<String> words(String command, Map<String, String> vars, Example ex) {
        List<String> out = new ArrayList<>();
        StringBuilder word = null;
        int i = 0;
        while (i < command.length()) {
            char c = command.charAt(i);
            if (c == ' ' || c == '\t') {
                if (word != null) out.add(word.toString());
                word = null;
                i++;
                continue;
            }
            if (word == null) word = new StringBuilder();
            if (c == '\'') {
                int end = command.indexOf('\'', i + 1);
                assertThat(end).as("%s: unterminated single quote", where(ex)).isPositive();
                word.append(command, i + 1, end);
                i = end + 1;
            } else if (c == '"') {
                i++;
                while (true) {
                    assertThat(i).as("%s: unterminated double quote", where(ex)).isLessThan(command.length());
                    char d = command.charAt(i);
                    if (d == '"') {
                        i++;
                        break;
                    }
                    if (d == '\\' && i + 1 < command.length() && "\"\\$`".indexOf(command.charAt(i + 1)) >= 0) {
                        word.append(command.charAt(i + 1));
                        i += 2;
                    } else if (d == '$') {
                        i = variable(command, i, word, vars, ex);
                    } else {
                        word.append(d);
                        i++;
                    }
                }
            } else if (c == '\\' && i + 1 < command.length()) {
                word.append(command.charAt(i + 1));
                i += 2;
            } else if (c == '$') {
                i = variable(command, i, word, vars, ex);
            } else {
                assertThat("|;<>`()".indexOf(c)).as("%s: shell syntax %s is not supported in examples", where(ex), c).isNegative();
                word.append(c);
                i++;
            }
        }
        if (word != null) out.add(word.toString());
        return out;
    }

    private static int variable(String command, int dollar, StringBuilder word, Map<String, String> vars, Example ex) {
        int i = dollar + 1;
        boolean braced = i < command.length() && command.charAt(i) == '{';
        if (braced) i++;
        int start = i;
        while (i < command.length() && (Character.isLetterOrDigit(command.charAt(i)) || command.charAt(i) == '_')) i++;
        String name = command.substring(start, i);
        if (braced) {
            assertThat(i < command.length() && command.charAt(i) == '}').as("%s: unterminated ${", where(ex)).isTrue();
            i++;
        }
        assertThat(name).as("%s: a variable name after $", where(ex)).isNotEmpty();
        assertThat(vars).as("%s: $%s used before an answer bound it", where(ex), name).containsKey(name);
        word.append(vars.get(name));
        return i;
    }

    private static Thread pump(InputStream in, ByteArrayOutputStream out) {
        Thread t = new Thread(() -> {
            byte[] buf = new byte[8192];
            try {
                for (int n; (n = in.read(buf)) > 0; ) {
                    synchronized (out) {
                        out.write(buf, 0, n);
                    }
                }
            } catch (IOException ignored) {
                // the process ended
            }
        }, "curl-output");
        t.setDaemon(true);
        t.start();
        return t;
    }

    private static String text(ByteArrayOutputStream out) {
        synchronized (out) {
            return out.toString(StandardCharsets.UTF_8);
        }
    }

    /** A background stream has started once its head and first bytes arrived. */
    private static void awaitStreamStart(Example ex, Process p, ByteArrayOutputStream out) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(TIMEOUT_S);
        while (System.nanoTime() < deadline) {
            String got = text(out);
            int head = got.indexOf("\r\n\r\n");
            if (head >= 0 && got.length() > head + 4) return;
            if (!p.isAlive()) break;
            Thread.sleep(20);
        }
        fail("%s: the background command did not start streaming; output so far:%n%s", where(ex), text(out));
    }

    private static void finish(Example ex, Process p, Thread pump, boolean background) throws Exception {
        if (!p.waitFor(TIMEOUT_S, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail("%s: curl did not finish within %d s", where(ex), TIMEOUT_S);
        }
        pump.join(5000);
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        // A background stream ends by its --max-time (curl's exit code 28).
        boolean ok = p.exitValue() == 0 || (background && p.exitValue() == 28);
        assertThat(ok).as("%s: curl exit code %d: %s", where(ex), p.exitValue(), err).isTrue();
    }

    /** Compares curl -i output with the documented answer, binding the variables it names. */
    static void check(Example ex, String output, Map<String, String> vars) {
        int split = output.indexOf("\r\n\r\n");
        String head = split < 0 ? output : output.substring(0, split);
        String body = split < 0 ? "" : output.substring(split + 4);
        String[] headLines = head.split("\r\n");

        String expected = ex.expected();
        int blank = expected.indexOf("\n\n");
        String expectedHead = blank < 0 ? expected.strip() : expected.substring(0, blank);
        String expectedBody = blank < 0 ? "" : expected.substring(blank + 2);
        String[] expectedHeadLines = expectedHead.split("\n");

        assertThat(headLines[0].strip()).as("%s: status line (output: %s)", where(ex), output).isEqualTo(expectedHeadLines[0].strip());
        for (int i = 1; i < expectedHeadLines.length; i++) {
            String h = expectedHeadLines[i];
            int colon = h.indexOf(':');
            assertThat(colon).as("%s: header line %s", where(ex), h).isPositive();
            String name = h.substring(0, colon).strip().toLowerCase(Locale.ROOT);
            String value = h.substring(colon + 1).strip();
            List<String> actual = new ArrayList<>();
            for (int j = 1; j < headLines.length; j++) {
                int c = headLines[j].indexOf(':');
                if (c > 0 && headLines[j].substring(0, c).strip().toLowerCase(Locale.ROOT).equals(name)) {
                    actual.add(headLines[j].substring(c + 1).strip());
                }
            }
            assertThat(actual).as("%s: header %s (head: %s)", where(ex), name, head).contains(value);
        }

        String want = stripTrailingNewlines(expectedBody);
        String got = stripTrailingNewlines(body);
        List<String> bindings = new ArrayList<>();
        StringBuilder regex = new StringBuilder();
        Matcher m = PLACEHOLDER.matcher(want);
        int last = 0;
        while (m.find()) {
            regex.append(Pattern.quote(want.substring(last, m.start())));
            if (m.group(1) != null) {
                regex.append(m.group(1).equals("key") ? "([A-Za-z0-9_-]{43})" : "([0-9a-f]{32})");
                bindings.add((m.group(1) + m.group(2)).toUpperCase(Locale.ROOT));
            } else if (m.group().equals("<int>")) {
                regex.append("-?[0-9]+");
            } else if (m.group().equals("<number>")) {
                regex.append("-?[0-9]+(?:\\.[0-9]+)?(?:[eE][-+]?[0-9]+)?");
            } else {
                regex.append("[\\s\\S]*");
            }
            last = m.end();
        }
        regex.append(Pattern.quote(want.substring(last)));
        Matcher actual = Pattern.compile(regex.toString()).matcher(got);
        assertThat(actual.matches()).as("%s: body%n  expected: %s%n  got:      %s", where(ex), want, got).isTrue();
        for (int i = 0; i < bindings.size(); i++) vars.put(bindings.get(i), actual.group(i + 1));
    }

    private static String stripTrailingNewlines(String s) {
        int end = s.length();
        while (end > 0 && (s.charAt(end - 1) == '\n' || s.charAt(end - 1) == '\r')) end--;
        return s.substring(0, end);
    }

    private static String where(Example ex) {
        return "http-api.md:" + ex.line() + " `" + ex.command() + "`";
    }
}
