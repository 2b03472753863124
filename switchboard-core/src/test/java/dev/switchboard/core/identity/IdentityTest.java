package dev.switchboard.core.identity;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class IdentityTest {
    @ParameterizedTest(name = "{0} covers {1} -> {2}")
    @CsvSource({
            ">, a, true", ">, a.b.*, true", ">, a.>, true",
            "a.>, a.b, true", "a.>, a.*, true", "a.>, a.>, true", "a.>, a, false", "a.>, b.c, false",
            "a.*, a.b, true", "a.*, a.*, true", "a.*, a.>, false", "a.*, a.b.c, false",
            "a.b, a.b, true", "a.b, a.*, false", "a.b, a.>, false",
            "*.b, x.b, true", "*.b, *.b, true", "*.b, >, false",
            "a.*.>, a.b.c, true", "a.*.>, a.b, false"})
    void aGrantedPatternCoversWhatEverySubjectOfTheAskedOneMatches(String granted, String asked, boolean covers) {
        assertThat(Identity.covers(granted, asked)).isEqualTo(covers);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"PUBLISH, orders.eu, true", "PUBLISH, billing.x, false", "SUBSCRIBE, orders.*, true",
            "SUBSCRIBE, >, false", "CALL, anything, false", "SERVE, x, false"})
    void anIdentityMayOnlyWhatItsListsGrant(Permission p, String subject, boolean allowed) {
        Identity id = new Identity("orders", Map.of(Permission.PUBLISH, List.of("orders.>"),
                Permission.SUBSCRIBE, List.of("orders.>")));
        assertThat(id.may(p, subject)).isEqualTo(allowed);
        assertThat(Identity.ANONYMOUS_LOCAL.may(p, subject)).isTrue();
        assertThat(Identity.nobody("anonymous").may(p, subject)).isFalse();
    }
}
