package dev.switchboard.server.embed;

/** Told when an accepted native client connection leaves its session (the session may live on). Runs on the hook threads. */
@FunctionalInterface
public interface DisconnectHook {
    void onDisconnect(DisconnectInfo connection) throws Exception;
}
