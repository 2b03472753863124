package dev.switchboard.core.lock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FenceGeneratorTest {
    private static final String HEX32 = "^[0-9a-f]{32}$";
    /** The journal layout documented in FenceStateFile: per slot a ceiling, its CRC32C and a magic. */
    private static final int SLOT_BYTES = 16;
    private static final int MAGIC = 0x53424631;

    @TempDir
    Path dir;

    // ---- in memory ------------------------------------------------------------------------------

    @Test
    void inMemoryTokensAreHexAndFencesOnlyGrow() {
        long before = wallClockNanos();
        try (FenceGenerator g = FenceGenerator.inMemory()) {
            String previous = null;
            for (int i = 0; i < 10_000; i++) {
                String token = g.nextToken();
                assertThat(token).matches(HEX32);
                if (previous != null) {
                    assertThat(FenceGenerator.fenceOf(token)).isGreaterThan(FenceGenerator.fenceOf(previous));
                    assertThat(token).isGreaterThan(previous);
                }
                previous = token;
            }
        }
        // The counter starts at the wall clock in nanoseconds, as dflockd's does.
        try (FenceGenerator g = FenceGenerator.inMemory()) {
            assertThat(g.nextFence()).isGreaterThanOrEqualTo(before);
        }
    }

    @Test
    void saltsDiffer() {
        try (FenceGenerator g = FenceGenerator.inMemory()) {
            Set<String> salts = new HashSet<>();
            for (int i = 0; i < 1_000; i++) {
                salts.add(g.nextToken().substring(16));
            }
            assertThat(salts).hasSizeGreaterThan(990);
        }
    }

    @Test
    void concurrentCallersNeverGetTheSameFence() throws Exception {
        try (FenceGenerator g = FenceGenerator.inMemory()) {
            ExecutorService pool = Executors.newFixedThreadPool(4);
            try {
                List<Future<long[]>> futures = new ArrayList<>();
                for (int t = 0; t < 4; t++) {
                    futures.add(pool.submit(() -> {
                        long[] out = new long[20_000];
                        for (int i = 0; i < out.length; i++) out[i] = g.nextFence();
                        return out;
                    }));
                }
                Set<Long> all = new HashSet<>();
                for (Future<long[]> f : futures) {
                    long[] fences = f.get(10, TimeUnit.SECONDS);
                    for (int i = 0; i < fences.length; i++) {
                        assertThat(all.add(fences[i])).isTrue();
                        if (i > 0) assertThat(fences[i]).isGreaterThan(fences[i - 1]);
                    }
                }
                assertThat(all).hasSize(80_000);
            } finally {
                pool.shutdownNow();
            }
        }
    }

    // ---- fenceOf --------------------------------------------------------------------------------

    @Test
    void fenceOfParsesTheFirstSixteenHex() {
        assertThat(FenceGenerator.fenceOf("00000000000000ff0123456789abcdef")).isEqualTo(255);
        assertThat(FenceGenerator.fenceOf("17e0f0a1b2c3d4e5ffffffffffffffff")).isEqualTo(0x17e0f0a1b2c3d4e5L);
        try (FenceGenerator g = FenceGenerator.inMemory()) {
            long fence = g.nextFence();
            String token = g.nextToken();
            assertThat(FenceGenerator.fenceOf(token)).isEqualTo(fence + 1);
        }
    }

    @Test
    void fenceOfIsMinusOneForWhatIsNotAToken() {
        assertThat(FenceGenerator.fenceOf(null)).isEqualTo(-1);
        assertThat(FenceGenerator.fenceOf("")).isEqualTo(-1);
        assertThat(FenceGenerator.fenceOf("00000000000000ff")).isEqualTo(-1);
        assertThat(FenceGenerator.fenceOf("00000000000000ff0123456789abcdef0")).isEqualTo(-1);
        assertThat(FenceGenerator.fenceOf("zz000000000000ff0123456789abcdef")).isEqualTo(-1);
    }

    @Test
    void fenceOfRejectsTokensThatAreNotThirtyTwoHexCharacters() {
        // The contract: "-1 when the token is not 32 hex characters".
        assertThat(FenceGenerator.fenceOf("00000000000000ffzzzzzzzzzzzzzzzz")).as("non-hex salt").isEqualTo(-1);
        assertThat(FenceGenerator.fenceOf("+0000000000000ff0123456789abcdef")).as("sign in the fence").isEqualTo(-1);
    }

    // ---- persistent -----------------------------------------------------------------------------

    @Test
    void aNewFileIsCreatedAndHoldsACeilingAboveEveryIssuedFence() throws IOException {
        Path file = dir.resolve("sub/dir/fence.state");
        long last;
        try (FenceGenerator g = FenceGenerator.persistent(file)) {
            for (int i = 0; i < 1_000; i++) g.nextToken();
            last = g.nextFence();
            assertThat(Files.exists(file)).isTrue();
            assertThat(storedCeiling(file)).isGreaterThan(last);
        }
        assertThat(storedCeiling(file)).isGreaterThan(last);
    }

    @Test
    void reopenedGeneratorStartsAboveEveryFenceOfTheFirst() {
        Path file = dir.resolve("fence.state");
        long last = 0;
        String lastToken;
        try (FenceGenerator g = FenceGenerator.persistent(file)) {
            for (int i = 0; i < 1_000; i++) last = g.nextFence();
            lastToken = g.nextToken();
        }
        try (FenceGenerator g = FenceGenerator.persistent(file)) {
            String token = g.nextToken();
            assertThat(FenceGenerator.fenceOf(token)).isGreaterThan(last).isGreaterThan(FenceGenerator.fenceOf(lastToken));
            assertThat(token).isGreaterThan(lastToken);
        }
    }

    @Test
    void fencesBeyondSeveralRangesStayBelowTheStoredCeilingAndAfterReopen() throws IOException {
        Path file = dir.resolve("fence.state");
        long n = 2 * FenceGenerator.RANGE + FenceGenerator.RANGE / 2;
        long first;
        long last = 0;
        try (FenceGenerator g = FenceGenerator.persistent(file)) {
            first = g.nextFence();
            for (long i = 0; i < n; i++) {
                last = g.nextFence();
            }
            assertThat(last).isEqualTo(first + n);
            // The range in use was made durable before its first fence was handed out.
            assertThat(storedCeiling(file)).isGreaterThan(last);
        }
        try (FenceGenerator g = FenceGenerator.persistent(file)) {
            assertThat(g.nextFence()).isGreaterThan(last);
        }
    }

    @Test
    void theNextRangeIsReservedAheadSoNoGrantWaitsForAnFsync() throws IOException {
        Path file = dir.resolve("fence.state");
        try (FenceGenerator g = FenceGenerator.persistent(file)) {
            long firstCeiling = storedCeiling(file);
            for (long i = 0; i < FenceGenerator.RANGE / 2 + 1; i++) g.nextFence();

            // Half the range is used: the next one becomes durable in the background.
            await().atMost(Duration.ofSeconds(5)).until(() -> storedCeiling(file) == firstCeiling + FenceGenerator.RANGE);
            long crossing = 0;
            for (long i = 0; i < FenceGenerator.RANGE; i++) crossing = g.nextFence();

            assertThat(crossing).isGreaterThan(firstCeiling);
            assertThat(g.inlineReservations()).isZero();
            await().atMost(Duration.ofSeconds(5)).until(() -> storedCeiling(file) == firstCeiling + 2 * FenceGenerator.RANGE);
        }
    }

    @Test
    void storedCeilingAheadOfTheClockIsWhereTheNextGeneratorStarts() throws IOException {
        // A ceiling an hour ahead of the wall clock: only the file can explain a start that high.
        Path file = dir.resolve("fence.state");
        long ceiling = wallClockNanos() + TimeUnit.HOURS.toNanos(1);
        writeSlots(file, slot(ceiling - FenceGenerator.RANGE), slot(ceiling));

        try (FenceGenerator g = FenceGenerator.persistent(file)) {
            assertThat(g.nextFence()).isGreaterThanOrEqualTo(ceiling);
        }
    }

    @Test
    void aCorruptedSlotIsSkippedAndTheOtherSlotIsUsed() throws IOException {
        Path file = dir.resolve("fence.state");
        long ceiling = wallClockNanos() + TimeUnit.HOURS.toNanos(1);
        byte[] good = slot(ceiling);
        byte[] torn = slot(ceiling + TimeUnit.HOURS.toNanos(5));
        torn[3] ^= 0x40; // the ceiling no longer matches its CRC

        writeSlots(file, good, torn);
        try (FenceGenerator g = FenceGenerator.persistent(file)) {
            long fence = g.nextFence();
            assertThat(fence).isGreaterThanOrEqualTo(ceiling).isLessThan(ceiling + TimeUnit.HOURS.toNanos(1));
        }

        writeSlots(file, torn, good);
        try (FenceGenerator g = FenceGenerator.persistent(file)) {
            long fence = g.nextFence();
            assertThat(fence).isGreaterThanOrEqualTo(ceiling).isLessThan(ceiling + TimeUnit.HOURS.toNanos(1));
        }
    }

    @Test
    void overwritingOneSlotOfARealJournalStillRecoversFromTheOther() throws IOException {
        Path file = dir.resolve("fence.state");
        long last = 0;
        // Two opens write both slots of the journal.
        try (FenceGenerator g = FenceGenerator.persistent(file)) {
            last = g.nextFence();
        }
        try (FenceGenerator g = FenceGenerator.persistent(file)) {
            last = Math.max(last, g.nextFence());
        }
        assertThat(Files.size(file)).isEqualTo(2L * SLOT_BYTES);
        long[] ceilings = slotCeilings(file);
        int newest = Long.compareUnsigned(ceilings[0], ceilings[1]) > 0 ? 0 : 1;
        int older = 1 - newest;

        // Garbage over the older slot: the newest one still holds the high-water mark.
        overwrite(file, older, "garbage garbage!".getBytes(StandardCharsets.US_ASCII));
        try (FenceGenerator g = FenceGenerator.persistent(file)) {
            long fence = g.nextFence();
            assertThat(fence).isGreaterThan(last).isGreaterThanOrEqualTo(ceilings[newest]);
            last = fence;
        }
        // The reopen above journaled into the damaged slot; garbage over the other one now.
        long[] after = slotCeilings(file);
        assertThat(after[older]).isGreaterThan(last);
        overwrite(file, newest, new byte[SLOT_BYTES]);
        try (FenceGenerator g = FenceGenerator.persistent(file)) {
            assertThat(g.nextFence()).isGreaterThan(last).isGreaterThanOrEqualTo(after[older]);
        }
    }

    @Test
    void aSecondOpenOfAFileInUseIsRefused() {
        Path file = dir.resolve("fence.state");
        try (FenceGenerator first = FenceGenerator.persistent(file)) {
            assertThatThrownBy(() -> FenceGenerator.persistent(file)).isInstanceOf(IllegalStateException.class);
            // The first generator is unaffected and the file stays refused.
            first.nextToken();
            assertThatThrownBy(() -> FenceGenerator.persistent(file)).isInstanceOf(IllegalStateException.class);
        }
        try (FenceGenerator again = FenceGenerator.persistent(file)) {
            assertThat(again.nextToken()).matches(HEX32);
        }
    }

    @Test
    void aRefusedSecondOpenDoesNotUnlockTheFileForOtherProcesses() throws Exception {
        Path file = dir.resolve("fence.state");
        try (FenceGenerator first = FenceGenerator.persistent(file)) {
            assertThat(otherProcessCanLock(file)).as("locked by the first generator").isFalse();

            assertThatThrownBy(() -> FenceGenerator.persistent(file)).isInstanceOf(IllegalStateException.class);

            // Another node must still be kept out while the first generator is open.
            assertThat(otherProcessCanLock(file)).as("after a refused second open in the same JVM").isFalse();
            first.nextToken();
        }
    }

    // ---- helpers --------------------------------------------------------------------------------

    private static long wallClockNanos() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000_000L + now.getNano();
    }

    private static byte[] slot(long ceiling) {
        CRC32C crc = new CRC32C();
        crc.update(ByteBuffer.allocate(8).putLong(ceiling).flip());
        return ByteBuffer.allocate(SLOT_BYTES).putLong(ceiling).putInt((int) crc.getValue()).putInt(MAGIC).array();
    }

    private static void writeSlots(Path file, byte[] slot0, byte[] slot1) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(2 * SLOT_BYTES).put(slot0).put(slot1);
        Files.write(file, buf.array());
    }

    private static void overwrite(Path file, int slot, byte[] bytes) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(bytes), (long) slot * SLOT_BYTES);
        }
    }

    /** The ceilings of both slots (0 for a slot that is missing or invalid). */
    private static long[] slotCeilings(Path file) throws IOException {
        byte[] all = Files.readAllBytes(file);
        long[] out = new long[2];
        for (int slot = 0; slot < 2; slot++) {
            if (all.length < (slot + 1) * SLOT_BYTES) continue;
            ByteBuffer b = ByteBuffer.wrap(all, slot * SLOT_BYTES, SLOT_BYTES);
            long ceiling = b.getLong();
            int crc = b.getInt();
            int magic = b.getInt();
            CRC32C c = new CRC32C();
            c.update(ByteBuffer.allocate(8).putLong(ceiling).flip());
            if (magic == MAGIC && crc == (int) c.getValue()) out[slot] = ceiling;
        }
        return out;
    }

    private static long storedCeiling(Path file) throws IOException {
        long[] c = slotCeilings(file);
        return Long.compareUnsigned(c[0], c[1]) > 0 ? c[0] : c[1];
    }

    /** Runs a separate JVM that tries to lock {@code file}, as a second node would. */
    private boolean otherProcessCanLock(Path file) throws Exception {
        Path probe = dir.resolve("LockProbe.java");
        Files.writeString(probe, """
                import java.nio.channels.FileChannel;
                import java.nio.file.Path;
                import java.nio.file.StandardOpenOption;
                public class LockProbe {
                    public static void main(String[] args) throws Exception {
                        try (FileChannel ch = FileChannel.open(Path.of(args[0]), StandardOpenOption.READ,
                                StandardOpenOption.WRITE)) {
                            System.out.print(ch.tryLock() == null ? "busy" : "locked");
                        }
                    }
                }
                """);
        String java = ProcessHandle.current().info().command().orElse("java");
        Process p = new ProcessBuilder(java, probe.toString(), file.toString()).redirectErrorStream(true).start();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("lock probe finished").isTrue();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertThat(out).as("lock probe output").isIn("busy", "locked");
        return out.equals("locked");
    }
}
