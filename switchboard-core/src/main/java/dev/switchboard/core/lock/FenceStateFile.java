package dev.switchboard.core.lock;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.zip.CRC32C;

/**
 * The durable high-water mark of issued fences: a two-slot journal. Each slot holds a ceiling,
 * its CRC32C and a magic marker; a write goes to the slot that does not hold the current
 * ceiling and is forced to disk before the new range is used, so a torn write can only damage
 * the older slot. The file is locked while open, so two nodes cannot share it.
 */
final class FenceStateFile implements AutoCloseable {
    private static final int SLOT_BYTES = 16;
    private static final int MAGIC = 0x53424631; // "SBF1"

    /** Fence files held open by this JVM, by real path. */
    private static final Set<Path> OPEN_IN_THIS_PROCESS = ConcurrentHashMap.newKeySet();

    private final Path path;
    private final FileChannel channel;
    private Path registryKey;
    private final FileLock lock;
    private int currentSlot;
    private long storedCeiling;

    private FenceStateFile(Path path, FileChannel channel, FileLock lock) {
        this.path = path;
        this.channel = channel;
        this.lock = lock;
    }

    static FenceStateFile open(Path path) {
        Path key;
        try {
            Path absolute = path.toAbsolutePath().normalize();
            Files.createDirectories(absolute.getParent());
            key = absolute.getParent().toRealPath().resolve(absolute.getFileName());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open fence state file " + path + ": " + e.getMessage(), e);
        }
        // Checked before opening: on Linux, closing any channel of a file drops this process's
        // lock on it, so a refused second open must never touch the file.
        if (!OPEN_IN_THIS_PROCESS.add(key)) {
            throw new IllegalStateException("fence state file " + path + " is in use by another Switchboard");
        }
        try {
            FenceStateFile file = openLocked(path);
            file.registryKey = key;
            return file;
        } catch (RuntimeException e) {
            OPEN_IN_THIS_PROCESS.remove(key);
            throw e;
        }
    }

    private static FenceStateFile openLocked(Path path) {
        FileChannel channel = null;
        try {
            channel = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.READ,
                    StandardOpenOption.WRITE);
            FileLock lock;
            try {
                lock = channel.tryLock();
            } catch (OverlappingFileLockException e) {
                lock = null;
            }
            if (lock == null) {
                throw new IllegalStateException("fence state file " + path + " is in use by another Switchboard");
            }
            FenceStateFile file = new FenceStateFile(path, channel, lock);
            file.readSlots();
            return file;
        } catch (IOException e) {
            closeQuietly(channel);
            throw new UncheckedIOException("cannot open fence state file " + path + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            closeQuietly(channel);
            throw e;
        }
    }

    /** The highest ceiling durably written before, or 0 for a new file. */
    long storedCeiling() {
        return storedCeiling;
    }

    /** Makes {@code ceiling} durable (written and forced) before returning. */
    void write(long ceiling) throws IOException {
        int slot = 1 - currentSlot;
        ByteBuffer buf = ByteBuffer.allocate(SLOT_BYTES);
        buf.putLong(ceiling).putInt(crc(ceiling)).putInt(MAGIC).flip();
        while (buf.hasRemaining()) {
            channel.write(buf, (long) slot * SLOT_BYTES + buf.position());
        }
        channel.force(true);
        currentSlot = slot;
        storedCeiling = ceiling;
    }

    Path path() {
        return path;
    }

    private void readSlots() throws IOException {
        long best = 0;
        int bestSlot = 1; // so the first write goes to slot 0
        for (int slot = 0; slot < 2; slot++) {
            ByteBuffer buf = ByteBuffer.allocate(SLOT_BYTES);
            int read = 0;
            while (buf.hasRemaining()) {
                int n = channel.read(buf, (long) slot * SLOT_BYTES + buf.position());
                if (n < 0) break;
                read += n;
            }
            if (read < SLOT_BYTES) continue;
            buf.flip();
            long ceiling = buf.getLong();
            int crc = buf.getInt();
            int magic = buf.getInt();
            if (magic == MAGIC && crc == crc(ceiling) && Long.compareUnsigned(ceiling, best) > 0) {
                best = ceiling;
                bestSlot = slot;
            }
        }
        storedCeiling = best;
        currentSlot = bestSlot;
    }

    private static int crc(long value) {
        CRC32C crc = new CRC32C();
        crc.update(ByteBuffer.allocate(8).putLong(value).flip());
        return (int) crc.getValue();
    }

    @Override
    public void close() {
        try {
            lock.release();
        } catch (IOException ignored) {
            // the channel close below releases it too
        }
        closeQuietly(channel);
        if (registryKey != null) {
            OPEN_IN_THIS_PROCESS.remove(registryKey);
        }
    }

    private static void closeQuietly(FileChannel channel) {
        if (channel == null) return;
        try {
            channel.close();
        } catch (IOException ignored) {
            // nothing more to do on a failed close
        }
    }
}
