package dev.switchboard.client;

/**
 * A lost slot: which grant it was and why it went.
 *
 * @param grant the grant that no longer holds anything
 * @param cause the renewal's error, the {@link SessionLostException} (the session could not be
 *              resumed after a reconnect), or the {@link ConnectionClosedException} (the client stopped)
 */
public record LockLost(Grant grant, SwitchboardException cause) {
    public Resource resource() {
        return grant.resource();
    }
}
