package dev.switchboard.client;

/**
 * A lost slot: which grant it was and why it went.
 *
 * @param grant the grant that no longer holds anything
 * @param cause the renewal's error, or the {@link ConnectionClosedException}
 */
public record LockLost(Grant grant, SwitchboardException cause) {
    public Resource resource() {
        return grant.resource();
    }
}
