package dev.switchboard.server.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

import dev.switchboard.core.session.store.SecureSessionKeys;
import dev.switchboard.core.session.store.SessionKeys;
import dev.switchboard.core.session.store.SessionRecord;
import dev.switchboard.core.session.store.SubscriptionRecord;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileSessionStoreTest {
    @TempDir
    Path dataDir;

    /** Stores a test opened, closed after it whatever happened, so no lock outlives a test. */
    private final List<FileSessionStore> opened = new ArrayList<>();

    @AfterEach
    void closeAll() {
        for (FileSessionStore s : opened) s.close();
    }

    private FileSessionStore open() throws IOException {
        FileSessionStore s = FileSessionStore.open(dataDir);
        opened.add(s);
        return s;
    }

    private FileSessionStore reopen(FileSessionStore s) throws IOException {
        s.close();
        return open();
    }

    private Path sessionsDir() {
        return dataDir.resolve(FileSessionStore.DIRECTORY_NAME);
    }

    private static SessionRecord record(String id, long createdAt) {
        Map<String, String> attributes = new LinkedHashMap<>();
        attributes.put("user", "u-" + id);
        attributes.put("role", "reader");
        return new SessionRecord(id, SessionKeys.verifier("key-" + id), attributes,
                List.of(SubscriptionRecord.of("orders.*"), new SubscriptionRecord("jobs", "workers")),
                createdAt, createdAt + 5, 17);
    }

    private List<String> fileNames() throws IOException {
        try (Stream<Path> files = Files.list(sessionsDir())) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    // ---- the SessionStore contract, as for the in-memory store ----

    @Test
    void contractSaveFindReplaceRemove() throws IOException {
        FileSessionStore store = open();
        assertThat(store.size()).isZero();
        SessionRecord r = record("s1", 1000);
        store.save(r);
        assertThat(store.find("s1")).contains(r);
        SessionRecord replaced = r.withLastSeq(99).withAttributes(Map.of("k", "v"));
        store.save(replaced);
        assertThat(store.find("s1")).contains(replaced);
        assertThat(store.size()).isEqualTo(1);
        store.remove("s1");
        store.remove("s1");
        store.remove("never-there");
        assertThat(store.find("s1")).isEmpty();
        assertThat(store.size()).isZero();
    }

    @Test
    void contractTouchMovesForwardOnlyAndIgnoresUnknownIds() throws IOException {
        FileSessionStore store = open();
        SessionRecord r = record("s1", 1000);
        store.save(r);
        store.touch("s1", 5000);
        store.touch("s1", 4000);
        store.touch("ghost", 5000);
        assertThat(store.find("s1")).contains(r.withLastSeen(5000));
        assertThat(store.find("ghost")).isEmpty();
        assertThat(store.size()).isEqualTo(1);
    }

    @Test
    void contractLoadAllIsOldestFirstAndClosedStoreRefusesWork() throws IOException {
        FileSessionStore store = open();
        store.save(record("c", 3000));
        store.save(record("a", 1000));
        store.save(record("b", 2000));
        assertThat(store.loadAll()).extracting(SessionRecord::id).containsExactly("a", "b", "c");
        store.close();
        store.close();
        assertThatThrownBy(() -> store.save(record("d", 1))).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> store.find("a")).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> store.touch("a", 1)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> store.remove("a")).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(store::loadAll).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(store::size).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(store::flush).isInstanceOf(IllegalStateException.class);
    }

    // ---- durability ----

    @Test
    void saveFindAndRemoveSurviveCloseAndReopen() throws IOException {
        FileSessionStore store = open();
        store.save(record("keep1", 1000));
        store.save(record("keep2", 2000));
        store.save(record("gone", 3000));
        store.save(record("keep2", 2000).withLastSeq(500));
        store.remove("gone");

        FileSessionStore again = reopen(store);
        assertThat(again.size()).isEqualTo(2);
        assertThat(again.find("keep1")).contains(record("keep1", 1000));
        assertThat(again.find("keep2")).contains(record("keep2", 2000).withLastSeq(500));
        assertThat(again.find("gone")).isEmpty();
        assertThat(fileNames()).containsExactly(".lock", "keep1.json", "keep2.json");
    }

    @Test
    void loadAllRestoresEveryFieldExactly() throws IOException {
        Map<String, String> attributes = new LinkedHashMap<>();
        // Insertion order that no sorted or hashed map would produce.
        attributes.put("z.last-first", "1");
        attributes.put("A_upper", "quotes \" and \\ backslash, newline \n tab \t nul \u0000");
        attributes.put("unicode", "é € 😀 日本");
        attributes.put("empty", "");
        attributes.put("big", "x".repeat(1024));
        for (int i = attributes.size(); i < 32; i++) attributes.put("k" + i, "v" + i);
        String key = SecureSessionKeys.INSTANCE.newResumeKey();
        SessionRecord full = new SessionRecord(SecureSessionKeys.INSTANCE.newSessionId(), SessionKeys.verifier(key), attributes,
                List.of(new SubscriptionRecord("orders.>", ""), new SubscriptionRecord("jobs.*", "workers"),
                        new SubscriptionRecord("ünïcode.😀", "grüppe")),
                1_700_000_000_123L, 1_700_000_999_456L, Long.MAX_VALUE);
        SessionRecord bare = SessionRecord.create("bare", SessionKeys.verifier("k2"), 0);

        FileSessionStore store = open();
        store.save(full);
        store.save(bare);
        List<SessionRecord> restored = reopen(store).loadAll();

        assertThat(restored).containsExactly(bare, full);
        SessionRecord r = restored.get(1);
        assertThat(r.attributes()).containsExactlyEntriesOf(attributes);
        assertThat(List.copyOf(r.attributes().keySet())).containsExactlyElementsOf(attributes.keySet());
        assertThat(SessionKeys.matches(key, r.resumeKeyVerifier())).isTrue();
        // Only the verifier is on disk, never the key.
        String onDisk = Files.readString(sessionsDir().resolve(full.id() + ".json"), StandardCharsets.UTF_8);
        assertThat(onDisk).doesNotContain(key).contains(full.resumeKeyVerifier());
    }

    @Test
    void touchReachesTheDiskOnFlushNotBefore() throws IOException {
        FileSessionStore store = open();
        store.save(record("s1", 1000));
        store.touch("s1", 9000);
        assertThat(store.find("s1").orElseThrow().lastSeenMillis()).isEqualTo(9000);
        assertThat(onDisk("s1").lastSeenMillis()).isEqualTo(1005);

        store.flush();
        assertThat(onDisk("s1")).isEqualTo(record("s1", 1000).withLastSeen(9000));

        FileSessionStore again = reopen(store);
        assertThat(again.find("s1").orElseThrow().lastSeenMillis()).isEqualTo(9000);
    }

    @Test
    void touchIsPersistedOnClose() throws IOException {
        FileSessionStore store = open();
        store.save(record("s1", 1000));
        store.save(record("s2", 1000));
        store.touch("s1", 7000);
        store.touch("s2", 8000);
        FileSessionStore again = reopen(store);
        assertThat(again.find("s1").orElseThrow().lastSeenMillis()).isEqualTo(7000);
        assertThat(again.find("s2").orElseThrow().lastSeenMillis()).isEqualTo(8000);
    }

    @Test
    void aSaveAfterATouchWinsAndAFlushAfterARemoveDoesNotResurrect() throws IOException {
        FileSessionStore store = open();
        store.save(record("s1", 1000));
        store.touch("s1", 9000);
        store.save(record("s1", 1000).withLastSeq(42));
        store.save(record("s2", 1000));
        store.touch("s2", 9000);
        store.remove("s2");
        store.flush();
        FileSessionStore again = reopen(store);
        assertThat(again.find("s1")).contains(record("s1", 1000).withLastSeq(42));
        assertThat(again.find("s2")).isEmpty();
        assertThat(fileNames()).containsExactly(".lock", "s1.json");
    }

    private SessionRecord onDisk(String id) throws IOException {
        return FileSessionStore.fromJson(Files.readAllBytes(sessionsDir().resolve(id + ".json")));
    }

    // ---- failures ----

    /**
     * Makes every write of {@code id} fail, even for root: its temporary file name is taken by a
     * non-empty directory, which can be neither opened for writing nor deleted.
     */
    private Path blockWritesOf(String id) throws IOException {
        Path obstacle = sessionsDir().resolve(FileSessionStore.TEMP_PREFIX + id + FileSessionStore.TEMP_SUFFIX);
        Files.createDirectories(obstacle);
        Files.writeString(obstacle.resolve("occupied"), "x");
        return obstacle;
    }

    private static void unblock(Path obstacle) throws IOException {
        Files.delete(obstacle.resolve("occupied"));
        Files.delete(obstacle);
    }

    @Test
    void aSaveThatCannotBeWrittenThrowsAndKeepsThePreviousRecord() throws IOException {
        FileSessionStore store = open();
        SessionRecord before = record("s1", 1000);
        store.save(before);
        Path obstacle = blockWritesOf("s1");

        assertThatThrownBy(() -> store.save(before.withLastSeq(99))).isInstanceOf(UncheckedIOException.class)
                .hasMessageContaining("s1");
        assertThat(store.find("s1")).contains(before);
        // Other ids are unaffected.
        store.save(record("s2", 1000));
        assertThat(store.find("s2")).isPresent();

        unblock(obstacle);
        assertThat(reopen(store).find("s1")).contains(before);
    }

    @Test
    void aTouchThatCannotBeFlushedStaysPendingForTheNextFlush() throws IOException {
        FileSessionStore store = open();
        store.save(record("s1", 1000));
        store.save(record("s2", 1000));
        Path obstacle = blockWritesOf("s1");
        store.touch("s1", 7000);
        store.touch("s2", 8000);

        assertThatThrownBy(store::flush).isInstanceOf(UncheckedIOException.class).hasMessageContaining("s1");
        // The other record was written regardless.
        assertThat(onDisk("s2").lastSeenMillis()).isEqualTo(8000);
        assertThat(onDisk("s1").lastSeenMillis()).isEqualTo(1005);

        unblock(obstacle);
        store.flush();
        assertThat(onDisk("s1").lastSeenMillis()).isEqualTo(7000);
    }

    @Test
    void aRecordTooLargeToReadBackIsRefusedOnSave() throws IOException {
        FileSessionStore store = open();
        SessionRecord before = record("s1", 1000);
        store.save(before);
        List<SubscriptionRecord> many = new ArrayList<>();
        String longPattern = "p".repeat(1000);
        for (int i = 0; i < 9_000; i++) many.add(new SubscriptionRecord(longPattern + i, ""));

        assertThatThrownBy(() -> store.save(before.withSubscriptions(many))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("too large");
        assertThat(store.find("s1")).contains(before);
        assertThat(reopen(store).find("s1")).contains(before);
    }

    // ---- damage and leftovers ----

    @Test
    void corruptFilesAreSkippedAndKeptForInspection() throws IOException {
        FileSessionStore store = open();
        store.save(record("good", 1000));
        store.close();

        Path dir = sessionsDir();
        String valid = new String(FileSessionStore.toJson(record("x", 1)), StandardCharsets.UTF_8);
        Map<String, String> corrupt = new LinkedHashMap<>();
        corrupt.put("garbage.json", "this is not json");
        corrupt.put("empty.json", "");
        corrupt.put("truncated.json", valid.substring(0, valid.length() / 2));
        corrupt.put("array.json", "[1,2,3]");
        corrupt.put("trailing.json", valid.replace("\"id\":\"x\"", "\"id\":\"trailing\"") + " {}");
        corrupt.put("wrongname.json", valid);
        corrupt.put("future.json", valid.replace("\"id\":\"x\"", "\"id\":\"future\"").replace("\"format\":1", "\"format\":2"));
        corrupt.put("badattr.json", valid.replace("\"id\":\"x\"", "\"id\":\"badattr\"").replace("\"user\"", "\"bad key\""));
        corrupt.put("badtype.json", valid.replace("\"id\":\"x\"", "\"id\":\"badtype\"").replace("\"lastSeq\":17", "\"lastSeq\":\"17\""));
        corrupt.put("missing.json", valid.replace("\"id\":\"x\"", "\"id\":\"missing\"").replace("\"lastSeq\":17,", ""));
        for (Map.Entry<String, String> e : corrupt.entrySet()) {
            Files.writeString(dir.resolve(e.getKey()), e.getValue(), StandardCharsets.UTF_8);
        }
        assertThat(valid).contains("\"format\":1").contains("\"lastSeq\":17");

        FileSessionStore again = open();
        assertThat(again.loadAll()).containsExactly(record("good", 1000));
        for (String name : corrupt.keySet()) assertThat(dir.resolve(name)).exists();
        // The store works normally beside them.
        again.save(record("new", 2000));
        assertThat(reopen(again).loadAll()).extracting(SessionRecord::id).containsExactly("good", "new");
    }

    @Test
    void temporaryFilesLeftByACrashAreDeletedOnOpen() throws IOException {
        FileSessionStore store = open();
        store.save(record("s1", 1000));
        store.close();
        // What a crash between writing and renaming leaves: a complete or a partial temp file.
        Files.write(sessionsDir().resolve(FileSessionStore.TEMP_PREFIX + "s1" + FileSessionStore.TEMP_SUFFIX),
                FileSessionStore.toJson(record("s1", 1000).withLastSeq(99)));
        Files.writeString(sessionsDir().resolve(FileSessionStore.TEMP_PREFIX + "s2" + FileSessionStore.TEMP_SUFFIX), "{\"form");

        FileSessionStore again = open();
        assertThat(fileNames()).containsExactly(".lock", "s1.json");
        assertThat(again.loadAll()).containsExactly(record("s1", 1000));
    }

    @Test
    void savesLeaveNoTemporaryFilesAndFilesAreOwnerOnly() throws IOException {
        FileSessionStore store = open();
        for (int i = 0; i < 5; i++) store.save(record("s" + i, i).withLastSeq(i));
        store.touch("s1", 10_000);
        store.flush();
        assertThat(fileNames()).containsExactly(".lock", "s0.json", "s1.json", "s2.json", "s3.json", "s4.json");

        assumeThat(sessionsDir().getFileSystem().supportedFileAttributeViews()).contains("posix");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(sessionsDir()))).isEqualTo("rwx------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(sessionsDir().resolve("s1.json")))).isEqualTo("rw-------");
    }

    @Test
    void removeOfAMalformedIdNeverReachesOutsideTheDirectory() throws IOException {
        FileSessionStore store = open();
        Path victim = dataDir.resolve("victim.json");
        Files.writeString(victim, "{}");
        store.remove("../victim");
        store.remove("..");
        assertThat(victim).exists();
        assertThat(sessionsDir()).isDirectory();
    }

    // ---- one store per directory ----

    @Test
    void aSecondOpenInTheSameJvmIsRefusedAndDoesNotWeakenTheFirstLock() throws Exception {
        FileSessionStore first = open();
        first.save(record("s1", 1000));

        assertThatThrownBy(() -> FileSessionStore.open(dataDir))
                .isInstanceOf(SessionDirectoryLockedException.class)
                .hasMessageContaining("in this process");
        // On Linux a second channel to the lock file, once closed, would have dropped the first
        // store's lock; another process must still be refused.
        assertThat(runProbe()).isEqualTo(StoreLockProbe.LOCKED);
        assertThat(first.find("s1")).isPresent();

        first.close();
        FileSessionStore second = open();
        assertThat(second.find("s1")).isPresent();
    }

    @Test
    void aSecondOpenThroughASymlinkIsRefusedToo() throws IOException {
        Path link = dataDir.getParent().resolve(dataDir.getFileName() + "-link");
        try {
            Files.createSymbolicLink(link, dataDir);
        } catch (UnsupportedOperationException | IOException e) {
            assumeThat(false).as("symbolic links unavailable: %s", e).isTrue();
        }
        try {
            open();
            assertThatThrownBy(() -> FileSessionStore.open(link)).isInstanceOf(SessionDirectoryLockedException.class);
        } finally {
            Files.deleteIfExists(link);
        }
    }

    @Test
    void anotherProcessIsRefusedWhileTheStoreIsOpenAndAdmittedAfterClose() throws Exception {
        FileSessionStore store = open();
        store.save(record("s1", 1000));
        assertThat(runProbe()).isEqualTo(StoreLockProbe.LOCKED);
        assertThat(probeOutput).contains("pid " + ProcessHandle.current().pid());

        store.close();
        assertThat(runProbe()).as("probe output: %s", probeOutput).isEqualTo(StoreLockProbe.OPENED);
        assertThat(probeOutput).contains("opened with 1 sessions");
        // And the probe let go of the directory when it exited.
        assertThat(open().find("s1")).isPresent();
    }

    private String probeOutput = "";

    /** Runs {@link StoreLockProbe} in a child JVM on {@link #dataDir} and returns its exit code. */
    private int runProbe() throws Exception {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        // Surefire may start this JVM through a manifest-only jar; its real test class path is
        // then in this property, and java.class.path (the manifest jar) works as a fallback.
        String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        Path out = Files.createTempFile(dataDir.getParent(), "probe", ".out");
        try {
            Process p = new ProcessBuilder(java.toString(), "-cp", classPath, StoreLockProbe.class.getName(), dataDir.toString())
                    .redirectErrorStream(true)
                    .redirectOutput(out.toFile())
                    .start();
            boolean exited = p.waitFor(60, TimeUnit.SECONDS);
            if (!exited) {
                p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
            probeOutput = Files.readString(out);
            assertThat(exited).as("probe exited within 60 s; output: %s", probeOutput).isTrue();
            return p.exitValue();
        } finally {
            Files.deleteIfExists(out);
        }
    }

    // ---- concurrency ----

    @Test
    void concurrentSavesFromEightThreadsAreAllPresentAfterReopen() throws Exception {
        FileSessionStore store = open();
        int threads = 8;
        int perThread = 100;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                futures.add(pool.submit(() -> {
                    start.await();
                    for (int i = 0; i < perThread; i++) {
                        String id = "t" + thread + "-" + i;
                        store.save(record(id, i));
                        store.touch(id, 100_000 + i);
                        // Flushes race with saves and touches of other ids on the same stripes.
                        if (i % 25 == 0) store.flush();
                    }
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> f : futures) f.get(120, TimeUnit.SECONDS);
        } finally {
            pool.shutdownNow();
        }

        FileSessionStore again = reopen(store);
        assertThat(again.size()).isEqualTo(threads * perThread);
        for (int t = 0; t < threads; t++) {
            for (int i = 0; i < perThread; i++) {
                String id = "t" + t + "-" + i;
                assertThat(again.find(id)).contains(record(id, i).withLastSeen(100_000 + i));
            }
        }
        assertThat(fileNames()).hasSize(threads * perThread + 1).noneMatch(n -> n.startsWith(FileSessionStore.TEMP_PREFIX));
    }
}
