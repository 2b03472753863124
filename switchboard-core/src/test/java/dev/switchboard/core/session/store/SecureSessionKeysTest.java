package dev.switchboard.core.session.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Base64;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SecureSessionKeysTest {
    private final SessionKeys keys = SecureSessionKeys.INSTANCE;

    @Test
    void sessionIdsAre32LowercaseHexValidAndUnique() {
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 10_000; i++) {
            String id = keys.newSessionId();
            assertThat(id).matches("[0-9a-f]{32}");
            assertThat(SessionRecord.isValidId(id)).isTrue();
            assertThat(seen.add(id)).as("duplicate id %s", id).isTrue();
        }
    }

    @Test
    void resumeKeysAre256BitsOfUnpaddedBase64UrlAndUnique() {
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 10_000; i++) {
            String key = keys.newResumeKey();
            assertThat(key).matches("[A-Za-z0-9_-]{43}");
            assertThat(Base64.getUrlDecoder().decode(key)).hasSize(32);
            assertThat(seen.add(key)).isTrue();
        }
    }

    @Test
    void theVerifierIsTheSha256OfTheKeyInLowercaseHex() {
        // The FIPS 180-2 test vector for "abc".
        assertThat(SessionKeys.verifier("abc")).isEqualTo("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        String key = keys.newResumeKey();
        assertThat(SessionKeys.verifier(key)).matches("[0-9a-f]{64}").doesNotContain(key).isEqualTo(SessionKeys.verifier(key));
        assertThat(SessionKeys.isVerifier(SessionKeys.verifier(key))).isTrue();
    }

    @Test
    void theVerifierRefusesMissingOrOverlongKeys() {
        assertThatThrownBy(() -> SessionKeys.verifier(null)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SessionKeys.verifier("")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SessionKeys.verifier("  \t")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SessionKeys.verifier("k".repeat(SessionKeys.MAX_RESUME_KEY_LENGTH + 1)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void matchesAcceptsOnlyTheRightKey() {
        String key = keys.newResumeKey();
        String verifier = SessionKeys.verifier(key);
        assertThat(SessionKeys.matches(key, verifier)).isTrue();
        assertThat(SessionKeys.matches(keys.newResumeKey(), verifier)).isFalse();
        assertThat(SessionKeys.matches(key.substring(1), verifier)).isFalse();
        assertThat(SessionKeys.matches(key + "x", verifier)).isFalse();
        // The verifier itself is not a key: a leaked store does not let anyone resume.
        assertThat(SessionKeys.matches(verifier, verifier)).isFalse();
    }

    @Test
    void matchesIsFalseForBlankOrMalformedInput() {
        String key = keys.newResumeKey();
        String verifier = SessionKeys.verifier(key);
        assertThat(SessionKeys.matches(null, verifier)).isFalse();
        assertThat(SessionKeys.matches("", verifier)).isFalse();
        assertThat(SessionKeys.matches("   ", verifier)).isFalse();
        assertThat(SessionKeys.matches("k".repeat(SessionKeys.MAX_RESUME_KEY_LENGTH + 1), verifier)).isFalse();
        assertThat(SessionKeys.matches(key, null)).isFalse();
        assertThat(SessionKeys.matches(key, "")).isFalse();
        assertThat(SessionKeys.matches(key, "zz" + verifier.substring(2))).isFalse();
        assertThat(SessionKeys.matches(key, verifier.substring(2))).isFalse();
    }

    @Test
    void anEmbedderCanPlugInItsOwnKeys() {
        SessionKeys custom = new SessionKeys() {
            private int next;

            @Override
            public synchronized String newSessionId() {
                return "node7-" + (++next);
            }

            @Override
            public String newResumeKey() {
                return SecureSessionKeys.INSTANCE.newResumeKey();
            }
        };
        String key = custom.newResumeKey();
        SessionRecord r = SessionRecord.create(custom.newSessionId(), SessionKeys.verifier(key), 1);
        assertThat(r.id()).isEqualTo("node7-1");
        assertThat(SessionKeys.matches(key, r.resumeKeyVerifier())).isTrue();
    }
}
