package dev.switchboard.core.session.store;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SessionAttributesTest {

    private static Map<String, String> entries(int n) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 1; i <= n; i++) m.put("k" + i, "v");
        return m;
    }

    @Test
    void upTo32EntriesAreAllowedAndThe33rdIsNamed() {
        assertThatCode(() -> SessionAttributes.validate(entries(0))).doesNotThrowAnyException();
        assertThatCode(() -> SessionAttributes.validate(entries(32))).doesNotThrowAnyException();
        assertThatThrownBy(() -> SessionAttributes.validate(entries(33)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'k33'").hasMessageContaining("32");
    }

    @Test
    void keysAre1To64CharactersOfTheAllowedSet() {
        assertThatCode(() -> SessionAttributes.validate(Map.of("Az09_.-", "v", "k".repeat(64), "v"))).doesNotThrowAnyException();
        assertThatThrownBy(() -> SessionAttributes.validate(Map.of("k".repeat(65), "v")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("64");
        assertThatThrownBy(() -> SessionAttributes.validate(Map.of("", "v")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("empty");
        for (String bad : new String[] {"a b", "a/b", "a:b", "é", "a\nb", "a\u0000"}) {
            assertThatThrownBy(() -> SessionAttributes.validate(Map.of(bad, "v")))
                    .as("%s", bad).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("may only contain");
        }
    }

    @Test
    void anOffendingKeyIsNamedSafely() {
        assertThatThrownBy(() -> SessionAttributes.validate(Map.of("bad\nkey", "v")))
                .hasMessageContaining("'bad?key'");
        assertThatThrownBy(() -> SessionAttributes.validate(Map.of("x".repeat(1000), "v")))
                .hasMessageContaining("'" + "x".repeat(64) + "...'")
                .satisfies(e -> org.assertj.core.api.Assertions.assertThat(e.getMessage().length()).isLessThan(200));
    }

    @Test
    void valuesAreLimitedTo1024BytesOfUtf8() {
        assertThatCode(() -> SessionAttributes.validate(Map.of("k", "a".repeat(1024)))).doesNotThrowAnyException();
        assertThatCode(() -> SessionAttributes.validate(Map.of("k", ""))).doesNotThrowAnyException();
        assertThatThrownBy(() -> SessionAttributes.validate(Map.of("big", "a".repeat(1025))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'big'").hasMessageContaining("1024");
        // Two bytes each: 512 fit, 513 do not.
        assertThatCode(() -> SessionAttributes.validate(Map.of("k", "é".repeat(512)))).doesNotThrowAnyException();
        assertThatThrownBy(() -> SessionAttributes.validate(Map.of("k", "é".repeat(513)))).isInstanceOf(IllegalArgumentException.class);
        // Three bytes each: 341 fit (1023), 342 do not (1026), though only 342 characters.
        assertThatCode(() -> SessionAttributes.validate(Map.of("k", "€".repeat(341)))).doesNotThrowAnyException();
        assertThatThrownBy(() -> SessionAttributes.validate(Map.of("k", "€".repeat(342)))).isInstanceOf(IllegalArgumentException.class);
        // Four bytes per surrogate pair: 256 fit, 257 do not.
        assertThatCode(() -> SessionAttributes.validate(Map.of("k", "😀".repeat(256)))).doesNotThrowAnyException();
        assertThatThrownBy(() -> SessionAttributes.validate(Map.of("k", "😀".repeat(257)))).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void valuesMustBePresentAndWellFormed() {
        Map<String, String> nullValue = new HashMap<>();
        nullValue.put("k", null);
        assertThatThrownBy(() -> SessionAttributes.validate(nullValue))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'k'");
        Map<String, String> nullKey = new HashMap<>();
        nullKey.put(null, "v");
        assertThatThrownBy(() -> SessionAttributes.validate(nullKey)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SessionAttributes.validate(Map.of("lone", "a\uD800b")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'lone'").hasMessageContaining("Unicode");
        assertThatThrownBy(() -> SessionAttributes.validate(Map.of("lone", "\uDC00"))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SessionAttributes.validate(Map.of("lone", "a\uD800"))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SessionAttributes.validate(null)).isInstanceOf(NullPointerException.class);
    }

    @Test
    void validateEntryChecksOneEntryTheSameWay() {
        assertThatCode(() -> SessionAttributes.validateEntry("user", "ann")).doesNotThrowAnyException();
        assertThatThrownBy(() -> SessionAttributes.validateEntry("user", "a".repeat(1025))).hasMessageContaining("'user'");
    }
}
