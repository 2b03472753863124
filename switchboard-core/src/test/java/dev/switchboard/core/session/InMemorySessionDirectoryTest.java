package dev.switchboard.core.session;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.core.SwitchboardCore;
import dev.switchboard.core.session.store.SessionRecord;
import org.junit.jupiter.api.Test;

/** The node's own session registry against the contract every session directory must keep, and what is particular to it. */
class InMemorySessionDirectoryTest extends SessionDirectoryContract {
    @Override
    protected Fixture newFixture(int maxSessions, int maxConnections) {
        SwitchboardCore core = coreWith(maxSessions, maxConnections);
        SessionRegistry registry = core.sessions();
        return new Fixture(registry, registry.nativePolicy(), registry.dflockdPolicy(), core);
    }

    /** What a graceful stop saves holds a verifier of the key, never the key, and still authenticates it after a restore. */
    @Test
    void theKeyIsNeverKeptOnlyItsVerifier() throws Exception {
        Fixture f = newFixture(10, 4);
        try {
            SessionRegistry registry = (SessionRegistry) f.directory();
            SessionRegistry.Opened o = (SessionRegistry.Opened) registry.open(f.resumable(), 0, "test", "peer", "10.0.0.1", null);
            SessionRecord saved = registry.snapshot(o.session());
            assertThat(saved.resumeKeyVerifier()).isNotBlank().doesNotContain(o.resumeKey());

            registry.close(o.session(), true);
            Fixture restarted = newFixture(10, 4);
            try {
                SessionRegistry next = (SessionRegistry) restarted.directory();
                next.restore(saved);
                assertThat(next.authenticate(saved.id(), o.resumeKey())).isNotNull();
                assertThat(next.authenticate(saved.id(), saved.resumeKeyVerifier())).isNull();
            } finally {
                restarted.resources().close();
            }
        } finally {
            f.resources().close();
        }
    }
}
