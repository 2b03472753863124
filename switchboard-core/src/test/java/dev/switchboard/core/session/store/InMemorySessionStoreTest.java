package dev.switchboard.core.session.store;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class InMemorySessionStoreTest extends SessionStoreContract {
    @Override
    protected SessionStore newStore() {
        return new InMemorySessionStore();
    }

    @Test
    void storesShareNothing() {
        store.save(record("s1", 1000));
        try (SessionStore other = new InMemorySessionStore()) {
            assertThat(other.find("s1")).isEmpty();
            assertThat(other.size()).isZero();
        }
    }
}
