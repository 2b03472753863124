package dev.switchboard.server.store;

import java.nio.file.Path;

/**
 * Run in a child JVM by {@link FileSessionStoreTest}: tries to open the store in the data
 * directory given as the argument, as a second node would, and reports through its exit code.
 */
public final class StoreLockProbe {
    static final int OPENED = 0;
    static final int LOCKED = 3;
    static final int FAILED = 1;

    private StoreLockProbe() {
    }

    public static void main(String[] args) {
        int code;
        try (FileSessionStore store = FileSessionStore.open(Path.of(args[0]))) {
            System.out.println("opened with " + store.size() + " sessions");
            code = OPENED;
        } catch (SessionDirectoryLockedException e) {
            System.out.println("refused: " + e.getMessage());
            code = LOCKED;
        } catch (Throwable t) {
            t.printStackTrace(System.out);
            code = FAILED;
        }
        System.exit(code);
    }
}
