package dev.switchboard.core.session;

import dev.switchboard.core.SwitchboardCore;
import dev.switchboard.core.lock.LockTableConfig;
import dev.switchboard.core.session.store.SecureSessionKeys;
import java.time.Duration;

/** The node's own session registry against the contract every session directory must keep. */
class InMemorySessionDirectoryTest extends SessionDirectoryContract {
    @Override
    protected Fixture newFixture(int maxSessions, int maxConnections) {
        SessionRegistry.Lifecycle lifecycle = new SessionRegistry.Lifecycle(30_000, maxConnections, 64, true,
                maxSessions, 0, 1 << 20, SecureSessionKeys.INSTANCE, 60_000, 0, 0, 256, 0);
        SwitchboardCore core = new SwitchboardCore(new SwitchboardCore.Settings(
                new LockTableConfig(1024, 16, Duration.ofSeconds(1), Duration.ofSeconds(5), Duration.ofSeconds(60)),
                30_000, 16, null, lifecycle));
        SessionRegistry registry = core.sessions();
        return new Fixture(registry, registry.nativePolicy(), registry.dflockdPolicy(), core);
    }
}
