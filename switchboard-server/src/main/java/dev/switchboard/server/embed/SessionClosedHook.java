package dev.switchboard.server.embed;

/** Told when a resumable session ends; an embedder's durable store deletes its record here. Runs on the hook threads. */
@FunctionalInterface
public interface SessionClosedHook {
    void onSessionClosed(SessionClosed session) throws Exception;
}
