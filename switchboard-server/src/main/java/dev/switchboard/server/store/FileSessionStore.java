package dev.switchboard.server.store;

import dev.switchboard.core.session.store.SessionRecord;
import dev.switchboard.core.session.store.SessionRecordJson;
import dev.switchboard.core.session.store.SessionStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.core.JacksonException;

/**
 * A durable {@link SessionStore}: one JSON file per session, {@code <data-dir>/sessions/<id>.json},
 * so that a graceful restart keeps sessions and their clients can resume.
 *
 * <p>Every record is also held in memory; look-ups never read the disk, and the files are read
 * once, when the store is opened. {@link #save} writes the record to a temporary file in the same
 * directory, forces it to disk, renames it over the old file atomically and then forces the
 * directory, so a crash leaves either the old or the new record, never a torn one.
 * {@link #touch} only changes the in-memory record and marks it; {@link #flush} (called
 * periodically by the owner) and {@link #close} write the marked records, so the per-message path
 * never waits for an fsync.
 *
 * <p>A {@code .lock} file, locked with {@link FileChannel#tryLock()} for as long as the store is
 * open, keeps a second node (or a second store in this process) out of the directory.
 */
public final class FileSessionStore implements SessionStore {
    /** The subdirectory of the data directory that holds session files. */
    public static final String DIRECTORY_NAME = "sessions";
    static final String LOCK_FILE = ".lock";
    static final String RECORD_SUFFIX = ".json";
    // Temporary files start with a dot and do not end in ".json": ids cannot contain a dot, so a
    // temporary file can never be mistaken for a record, nor a record for a temporary file.
    static final String TEMP_PREFIX = ".tmp-";
    static final String TEMP_SUFFIX = ".tmp";
    // A record is bounded (32 attributes of at most 1 KiB) apart from its subscriptions. Save
    // refuses anything larger, so a larger file is not one this store wrote, and reading it
    // whole could exhaust the heap.
    private static final long MAX_FILE_BYTES = 8L << 20;
    private static final int STRIPES = 64;

    private static final Logger log = LoggerFactory.getLogger(FileSessionStore.class);
    /**
     * Directories (real paths) open in this JVM. Checked before the lock file is even opened:
     * POSIX record locks belong to the process, and closing any channel to a locked file drops
     * the process's lock, so a second store here that opened {@code .lock}, failed to lock it and
     * closed it would silently unlock the first store's directory.
     */
    private static final Set<Path> OPEN_DIRECTORIES = ConcurrentHashMap.newKeySet();

    private final Path directory;
    private final FileChannel lockChannel;
    private final FileLock lock;
    private final boolean posix;
    private final ConcurrentHashMap<String, SessionRecord> records = new ConcurrentHashMap<>();
    /** Ids whose in-memory record has touches that are not on disk yet. */
    private final Set<String> dirty = ConcurrentHashMap.newKeySet();
    /**
     * Writes of one id are serialised on its stripe, so that a flush cannot put an older record
     * on disk after a save of a newer one, nor bring back a removed one.
     */
    private final Object[] stripes = new Object[STRIPES];
    /**
     * Writers (save, remove, flush) hold the read side; close holds the write side, so that no
     * write can land in the directory after the lock on it has been released.
     */
    private final ReentrantReadWriteLock lifecycle = new ReentrantReadWriteLock();
    private volatile boolean closed;
    private volatile boolean directorySyncSupported = true;

    private FileSessionStore(Path directory, FileChannel lockChannel, FileLock lock) {
        this.directory = directory;
        this.lockChannel = lockChannel;
        this.lock = lock;
        this.posix = directory.getFileSystem().supportedFileAttributeViews().contains("posix");
        for (int i = 0; i < STRIPES; i++) stripes[i] = new Object();
    }

    /**
     * Opens (creating it if needed) the store in {@code <dataDir>/sessions}, locks it, deletes
     * temporary files a crash left behind and reads every record. Unreadable record files are
     * logged and skipped, not deleted, so that an operator can look at them.
     *
     * @throws SessionDirectoryLockedException when another store, in this process or another,
     *                                         has the directory open
     * @throws IOException                     when the directory cannot be created or read
     */
    public static FileSessionStore open(Path dataDir) throws IOException {
        Path dir = dataDir.resolve(DIRECTORY_NAME);
        if (dir.getFileSystem().supportedFileAttributeViews().contains("posix")) {
            // Session files hold attributes that may be personal; other local users have no
            // business reading them.
            Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        } else {
            Files.createDirectories(dir);
        }
        Path real = dir.toRealPath();
        if (!OPEN_DIRECTORIES.add(real)) {
            throw new SessionDirectoryLockedException(real, "already open in this process");
        }
        FileChannel channel = null;
        try {
            channel = FileChannel.open(real.resolve(LOCK_FILE),
                    StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
            FileLock lock;
            try {
                lock = channel.tryLock();
            } catch (OverlappingFileLockException e) {
                // Only possible if something else in this JVM locked the file behind the
                // registry's back; still a refusal, not a crash.
                lock = null;
            }
            if (lock == null) {
                throw new SessionDirectoryLockedException(real, "locked by another process" + holderOf(channel));
            }
            recordHolder(channel);
            FileSessionStore store = new FileSessionStore(real, channel, lock);
            store.readDirectory();
            return store;
        } catch (IOException | RuntimeException | Error e) {
            if (channel != null) {
                try {
                    channel.close();
                } catch (IOException suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            OPEN_DIRECTORIES.remove(real);
            throw e;
        }
    }

    /** The directory holding the session files (a real path). */
    public Path directory() {
        return directory;
    }

    /**
     * {@inheritDoc}
     *
     * @throws IllegalArgumentException when the record's file would exceed the size this store
     *                                  reads back (only possible with an absurd number of
     *                                  subscriptions)
     */
    @Override
    public void save(SessionRecord record) {
        Objects.requireNonNull(record, "record");
        String id = record.id();
        lifecycle.readLock().lock();
        try {
            ensureOpen();
            synchronized (stripe(id)) {
                // The record written here is the whole truth for this id, pending touches
                // included; a touch that comes after the put marks the id again.
                dirty.remove(id);
                SessionRecord previous = records.put(id, record);
                boolean written = false;
                try {
                    write(record);
                    written = true;
                } catch (IOException e) {
                    throw new UncheckedIOException("could not save session " + id, e);
                } finally {
                    if (!written) {
                        // Back to what was there; it is marked again because its touches (if
                        // it had any) were unmarked above and may not be on disk.
                        if (previous == null) {
                            records.remove(id);
                        } else {
                            records.put(id, previous);
                            dirty.add(id);
                        }
                    }
                }
            }
        } finally {
            lifecycle.readLock().unlock();
        }
    }

    @Override
    public Optional<SessionRecord> find(String id) {
        Objects.requireNonNull(id, "id");
        ensureOpen();
        return Optional.ofNullable(records.get(id));
    }

    @Override
    public void touch(String id, long lastSeenMillis) {
        Objects.requireNonNull(id, "id");
        ensureOpen();
        boolean[] changed = new boolean[1];
        records.computeIfPresent(id, (k, r) -> {
            if (lastSeenMillis <= r.lastSeenMillis()) return r;
            changed[0] = true;
            return r.withLastSeen(lastSeenMillis);
        });
        // Marked after the change: a flush that takes the mark then reads the changed record.
        // A remove racing with this leaves a mark for an absent id, which flush drops.
        if (changed[0]) dirty.add(id);
    }

    @Override
    public void remove(String id) {
        Objects.requireNonNull(id, "id");
        // A malformed id has no file, and must never be turned into a path.
        if (!SessionRecord.isValidId(id)) {
            ensureOpen();
            return;
        }
        lifecycle.readLock().lock();
        try {
            ensureOpen();
            synchronized (stripe(id)) {
                try {
                    // The file goes first: if deleting fails, memory and disk still agree.
                    if (Files.deleteIfExists(fileOf(id))) syncDirectory();
                } catch (IOException e) {
                    throw new UncheckedIOException("could not remove session " + id, e);
                }
                records.remove(id);
                dirty.remove(id);
            }
        } finally {
            lifecycle.readLock().unlock();
        }
    }

    @Override
    public List<SessionRecord> loadAll() {
        ensureOpen();
        List<SessionRecord> all = new ArrayList<>(records.values());
        all.sort(RESTORE_ORDER);
        return List.copyOf(all);
    }

    @Override
    public int size() {
        ensureOpen();
        return records.size();
    }

    /**
     * Writes every record touched since the last flush. A record that cannot be written stays
     * marked, so the next flush tries again; the first failure is thrown after the others have
     * been tried.
     */
    @Override
    public void flush() {
        lifecycle.readLock().lock();
        try {
            ensureOpen();
            flushPending();
        } finally {
            lifecycle.readLock().unlock();
        }
    }

    /** Flushes pending touches, then releases the directory lock. */
    @Override
    public void close() {
        lifecycle.writeLock().lock();
        try {
            if (closed) return;
            try {
                flushPending();
            } finally {
                closed = true;
                release();
            }
        } finally {
            lifecycle.writeLock().unlock();
        }
    }

    private void flushPending() {
        UncheckedIOException failure = null;
        for (String id : dirty) {
            if (!dirty.remove(id)) continue;
            synchronized (stripe(id)) {
                SessionRecord r = records.get(id);
                if (r == null) continue;
                try {
                    write(r);
                } catch (IOException | RuntimeException e) {
                    dirty.add(id);
                    UncheckedIOException u = unchecked("could not write session " + id, e);
                    if (failure == null) failure = u; else failure.addSuppressed(u);
                }
            }
        }
        if (failure != null) throw failure;
    }

    private void release() {
        try {
            // Never delete the lock file: another process may already have it open and be
            // waiting to lock it; deleting it would let a third process lock a new file of the
            // same name while the second holds the old one.
            lock.release();
        } catch (IOException e) {
            log.warn("could not release the lock on {}: {}", directory, e.toString());
        } finally {
            try {
                lockChannel.close();
            } catch (IOException e) {
                log.warn("could not close the lock file in {}: {}", directory, e.toString());
            }
            OPEN_DIRECTORIES.remove(directory);
        }
    }

    private void readDirectory() throws IOException {
        boolean removedTemp = false;
        try (DirectoryStream<Path> files = Files.newDirectoryStream(directory)) {
            for (Path file : files) {
                String name = file.getFileName().toString();
                if (name.startsWith(TEMP_PREFIX)) {
                    // A write that a crash interrupted before its rename: the record it was
                    // replacing (if any) is still intact under its own name.
                    try {
                        Files.deleteIfExists(file);
                        removedTemp = true;
                        log.info("deleted unfinished session file {}", file);
                    } catch (IOException e) {
                        // Not a record and never read as one, so it cannot stop a restart.
                        log.warn("could not delete unfinished session file {}: {}", file, e.toString());
                    }
                } else if (name.endsWith(RECORD_SUFFIX)) {
                    SessionRecord r = readRecord(file, name);
                    if (r != null) records.put(r.id(), r);
                }
            }
        }
        if (removedTemp) syncDirectory();
        log.debug("restored {} sessions from {}", records.size(), directory);
    }

    /** The record in {@code file}, or null (logged) when the file is not a valid record. */
    private static SessionRecord readRecord(Path file, String name) {
        try {
            if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
                throw new IllegalArgumentException("not a regular file");
            }
            if (Files.size(file) > MAX_FILE_BYTES) {
                throw new IllegalArgumentException("larger than " + MAX_FILE_BYTES + " bytes");
            }
            SessionRecord r = fromJson(Files.readAllBytes(file));
            String expected = name.substring(0, name.length() - RECORD_SUFFIX.length());
            if (!r.id().equals(expected)) {
                throw new IllegalArgumentException("holds session " + r.id() + ", not " + expected);
            }
            return r;
        } catch (IOException | JacksonException | IllegalArgumentException e) {
            // First line only: parser messages go on to describe the source location.
            String reason = String.valueOf(e.getMessage()).lines().findFirst().orElse(e.getClass().getSimpleName());
            log.warn("skipping unreadable session file {}: {}", file, reason);
            return null;
        }
    }

    private void write(SessionRecord record) throws IOException {
        byte[] json = toJson(record);
        if (json.length > MAX_FILE_BYTES) {
            // Refused now rather than written and then skipped as damaged at the next start.
            throw new IllegalArgumentException("session " + record.id() + " is too large to store ("
                    + json.length + " bytes)");
        }
        Path target = fileOf(record.id());
        // One temporary name per id is enough: writes of an id are serialised on its stripe.
        Path temp = directory.resolve(TEMP_PREFIX + record.id() + TEMP_SUFFIX);
        boolean renamed = false;
        try {
            try (FileChannel ch = openForWrite(temp)) {
                ByteBuffer buf = ByteBuffer.wrap(json);
                while (buf.hasRemaining()) ch.write(buf);
                ch.force(true);
            }
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
            renamed = true;
        } finally {
            if (!renamed) {
                try {
                    Files.deleteIfExists(temp);
                } catch (IOException e) {
                    // The next open deletes it; the original failure is the one to report.
                    log.debug("could not delete {}: {}", temp, e.toString());
                }
            }
        }
        syncDirectory();
    }

    private FileChannel openForWrite(Path temp) throws IOException {
        Set<StandardOpenOption> options = Set.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING);
        if (posix) {
            FileAttribute<?> ownerOnly = PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"));
            return FileChannel.open(temp, options, ownerOnly);
        }
        return FileChannel.open(temp, options);
    }

    /**
     * Forces the directory entry changes (the rename, the delete) to disk; without it a crash
     * could undo a rename whose file data was already safe. Some platforms (Windows) cannot open a
     * directory for this at all; there the step is skipped from then on. A failure to force an
     * opened directory is a real I/O error and is thrown.
     */
    private void syncDirectory() throws IOException {
        if (!directorySyncSupported) return;
        FileChannel ch;
        try {
            ch = FileChannel.open(directory, StandardOpenOption.READ);
        } catch (IOException e) {
            directorySyncSupported = false;
            log.debug("cannot sync directory {} on this platform: {}", directory, e.toString());
            return;
        }
        try (ch) {
            ch.force(true);
        }
    }

    private Path fileOf(String id) {
        return directory.resolve(id + RECORD_SUFFIX);
    }

    private Object stripe(String id) {
        return stripes[Math.floorMod(id.hashCode(), STRIPES)];
    }

    private void ensureOpen() {
        if (closed) throw new IllegalStateException("session store " + directory + " is closed");
    }

    private static UncheckedIOException unchecked(String message, Exception e) {
        return e instanceof IOException io ? new UncheckedIOException(message, io)
                : new UncheckedIOException(message, new IOException(e.getMessage(), e));
    }

    /** Notes this process in the lock file, so that a refused node can say who holds it. */
    private static void recordHolder(FileChannel channel) {
        try {
            channel.truncate(0);
            channel.write(ByteBuffer.wrap(("pid " + ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.US_ASCII)), 0);
        } catch (IOException e) {
            // Only a diagnostic; the lock itself is what protects the directory.
            log.debug("could not note the holder in the lock file: {}", e.toString());
        }
    }

    private static String holderOf(FileChannel channel) {
        try {
            ByteBuffer buf = ByteBuffer.allocate(64);
            int n = channel.read(buf, 0);
            if (n <= 0) return "";
            String text = new String(buf.array(), 0, n, StandardCharsets.US_ASCII).strip();
            return text.matches("pid \\d+") ? " (" + text + ")" : "";
        } catch (IOException e) {
            // Windows refuses to read a region another process has locked.
            return "";
        }
    }

    static byte[] toJson(SessionRecord r) {
        return SessionRecordJson.toJson(r);
    }

    /** Parses a record strictly (see {@link SessionRecordJson#fromJson}). */
    static SessionRecord fromJson(byte[] json) {
        return SessionRecordJson.fromJson(json);
    }
}
