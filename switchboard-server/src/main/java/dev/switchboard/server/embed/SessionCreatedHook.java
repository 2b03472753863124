package dev.switchboard.server.embed;

/** Told when a resumable session (native connection or native HTTP) is opened. Runs on the hook threads. */
@FunctionalInterface
public interface SessionCreatedHook {
    void onSessionCreated(SessionCreated session) throws Exception;
}
