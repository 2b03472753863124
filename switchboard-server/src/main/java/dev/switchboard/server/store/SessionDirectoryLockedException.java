package dev.switchboard.server.store;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A session directory is already in use, by another store in this process or by another process,
 * so opening it again would let two nodes overwrite each other's sessions.
 */
public final class SessionDirectoryLockedException extends IOException {
    private static final long serialVersionUID = 1L;

    private final transient Path directory;

    public SessionDirectoryLockedException(Path directory, String detail) {
        super("session directory " + directory + " is in use: " + detail);
        this.directory = directory;
    }

    public Path directory() {
        return directory;
    }
}
