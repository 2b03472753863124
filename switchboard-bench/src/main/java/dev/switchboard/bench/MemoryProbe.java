package dev.switchboard.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the memory of a JVM process on this machine: its live heap after a full collection
 * ({@code jcmd <pid> GC.run}, then {@code GC.heap_info}) and its resident set ({@code VmRSS} in
 * {@code /proc/<pid>/status}). Linux and a JDK's {@code jcmd} on the PATH.
 */
final class MemoryProbe {
    /** One line per heap space ("garbage-first heap", or a young and an old generation): their sum is the heap. */
    private static final Pattern HEAP_USED = Pattern.compile("total \\d+K, used (\\d+)K");
    private static final Pattern RSS = Pattern.compile("(?m)^VmRSS:\\s+(\\d+) kB$");

    /** Live heap and resident set, in bytes. */
    record Sample(long heapBytes, long rssBytes) {
    }

    private final long pid;

    MemoryProbe(long pid) {
        this.pid = pid;
    }

    Sample sample() throws IOException {
        jcmd("GC.run");
        Matcher heap = HEAP_USED.matcher(jcmd("GC.heap_info"));
        long heapKb = 0;
        boolean found = false;
        while (heap.find()) {
            heapKb += Long.parseLong(heap.group(1));
            found = true;
        }
        if (!found) throw new IOException("no 'total NK, used NK' in jcmd GC.heap_info of process " + pid);
        Matcher rss = RSS.matcher(Files.readString(Path.of("/proc", Long.toString(pid), "status")));
        if (!rss.find()) throw new IOException("no VmRSS for process " + pid);
        return new Sample(heapKb * 1024, Long.parseLong(rss.group(1)) * 1024);
    }

    private String jcmd(String command) throws IOException {
        Process p = new ProcessBuilder("jcmd", Long.toString(pid), command).redirectErrorStream(true).start();
        try {
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IOException("jcmd " + pid + " " + command + " failed: " + out.strip());
            }
            return out;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while running jcmd", e);
        } finally {
            p.destroy();
        }
    }
}
