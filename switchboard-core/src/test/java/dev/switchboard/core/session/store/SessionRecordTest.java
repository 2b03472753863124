package dev.switchboard.core.session.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SessionRecordTest {
    private static final String VERIFIER = SessionKeys.verifier("secret-key");

    private static Map<String, String> ordered(String... kv) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) m.put(kv[i], kv[i + 1]);
        return m;
    }

    @Test
    void attributesAreCopiedKeepInsertionOrderAndCannotBeChanged() {
        Map<String, String> source = ordered("zeta", "1", "alpha", "2", "mid", "3");
        SessionRecord r = new SessionRecord("s1", VERIFIER, source, List.of(), 1, 2, 3);
        source.put("late", "4");
        source.remove("zeta");
        assertThat(r.attributes()).containsExactly(Map.entry("zeta", "1"), Map.entry("alpha", "2"), Map.entry("mid", "3"));
        assertThat(r.attributes().get("alpha")).isEqualTo("2");
        assertThat(r.attributes().containsKey("late")).isFalse();
        assertThatThrownBy(() -> r.attributes().put("x", "y")).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> r.attributes().entrySet().iterator().next().setValue("y"))
                .isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void subscriptionsAreCopiedAndCannotBeChanged() {
        List<SubscriptionRecord> source = new ArrayList<>(List.of(SubscriptionRecord.of("a.*")));
        SessionRecord r = new SessionRecord("s1", VERIFIER, Map.of(), source, 1, 2, 3);
        source.add(SubscriptionRecord.of("b"));
        assertThat(r.subscriptions()).containsExactly(new SubscriptionRecord("a.*", ""));
        assertThatThrownBy(() -> r.subscriptions().add(SubscriptionRecord.of("c"))).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void eachWithMethodChangesOnlyItsField() {
        SessionRecord r = new SessionRecord("s1", VERIFIER, ordered("a", "1"), List.of(SubscriptionRecord.of("x")), 10, 20, 30);

        SessionRecord a = r.withAttributes(ordered("b", "2"));
        assertThat(a).isEqualTo(new SessionRecord("s1", VERIFIER, ordered("b", "2"), r.subscriptions(), 10, 20, 30));

        SessionRecord s = r.withSubscriptions(List.of(new SubscriptionRecord("y", "g")));
        assertThat(s).isEqualTo(new SessionRecord("s1", VERIFIER, r.attributes(), List.of(new SubscriptionRecord("y", "g")), 10, 20, 30));

        assertThat(r.withLastSeen(99)).isEqualTo(new SessionRecord("s1", VERIFIER, r.attributes(), r.subscriptions(), 10, 99, 30));
        assertThat(r.withLastSeq(77)).isEqualTo(new SessionRecord("s1", VERIFIER, r.attributes(), r.subscriptions(), 10, 20, 77));
        // The original is untouched.
        assertThat(r.lastSeenMillis()).isEqualTo(20);
        assertThat(r.attributes()).containsExactly(Map.entry("a", "1"));
    }

    @Test
    void createStartsEmptyAndSeenAtCreation() {
        SessionRecord r = SessionRecord.create("s1", VERIFIER, 1234);
        assertThat(r.attributes()).isEmpty();
        assertThat(r.subscriptions()).isEmpty();
        assertThat(r.createdAtMillis()).isEqualTo(1234);
        assertThat(r.lastSeenMillis()).isEqualTo(1234);
        assertThat(r.lastSeq()).isZero();
    }

    @Test
    void idsMustBeSafeAsFileNamesAndInUrls() {
        assertThat(SessionRecord.isValidId("0123abcdef_-XYZ")).isTrue();
        assertThat(SessionRecord.isValidId("a".repeat(SessionRecord.MAX_ID_LENGTH))).isTrue();
        for (String bad : new String[] {null, "", "a".repeat(SessionRecord.MAX_ID_LENGTH + 1), "../x", "a/b", "a.json",
                ".lock", "a b", "é", "a\u0000"}) {
            assertThat(SessionRecord.isValidId(bad)).as("%s", bad).isFalse();
            assertThatThrownBy(() -> SessionRecord.create(bad, VERIFIER, 1)).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void theVerifierMustLookLikeOne() {
        assertThatThrownBy(() -> SessionRecord.create("s1", null, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SessionRecord.create("s1", "secret-key", 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SessionRecord.create("s1", VERIFIER.toUpperCase(), 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SessionRecord.create("s1", VERIFIER.substring(1), 1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void attributesAreValidatedOnEveryPath() {
        Map<String, String> bad = ordered("ok", "1", "bad key", "2");
        assertThatThrownBy(() -> new SessionRecord("s1", VERIFIER, bad, List.of(), 1, 1, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'bad key'");
        SessionRecord r = SessionRecord.create("s1", VERIFIER, 1);
        assertThatThrownBy(() -> r.withAttributes(bad)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> r.withAttributes(null)).isInstanceOf(NullPointerException.class);
    }

    @Test
    void negativeTimesAndSequencesAreRefused() {
        SessionRecord r = SessionRecord.create("s1", VERIFIER, 1);
        assertThatThrownBy(() -> r.withLastSeen(-1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> r.withLastSeq(-1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SessionRecord.create("s1", VERIFIER, -1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void subscriptionsNeedAPatternAndWellFormedText() {
        assertThat(new SubscriptionRecord("a", null).group()).isEmpty();
        assertThatThrownBy(() -> new SubscriptionRecord("", "g")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new SubscriptionRecord(null, "g")).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> new SubscriptionRecord("a\uD800", "")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new SubscriptionRecord("a", "\uDC00")).isInstanceOf(IllegalArgumentException.class);
        List<SubscriptionRecord> withNull = new ArrayList<>();
        withNull.add(null);
        assertThatThrownBy(() -> SessionRecord.create("s1", VERIFIER, 1).withSubscriptions(withNull))
                .isInstanceOf(NullPointerException.class);
    }

    @Test
    void toStringShowsNeitherTheVerifierNorAttributeValues() {
        SessionRecord r = new SessionRecord("s1", VERIFIER, ordered("email", "someone@example.com"), List.of(), 1, 2, 3);
        assertThat(r.toString()).contains("s1").contains("email").doesNotContain(VERIFIER).doesNotContain("someone@example.com");
    }

    @Test
    void theDefaultInfoParserReturnsTheAttributesAndAnEmbedderCanSupplyItsOwn() {
        SessionRecord r = new SessionRecord("s1", VERIFIER, ordered("user", "ann", "role", "admin"), List.of(), 1, 2, 3);
        assertThat(SessionInfoParser.attributes().parse(r)).containsExactly(Map.entry("user", "ann"), Map.entry("role", "admin"));

        record User(String name, boolean admin) {
        }
        SessionInfoParser<User> parser = rec -> new User(rec.attributes().get("user"), "admin".equals(rec.attributes().get("role")));
        assertThat(parser.parse(r)).isEqualTo(new User("ann", true));
    }
}
