package dev.switchboard.server.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.switchboard.core.identity.Permission;
import dev.switchboard.core.pubsub.HistoryRule;
import dev.switchboard.server.SwitchboardConfig;
import dev.switchboard.server.transport.SlowConsumerPolicy;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The publish/subscribe options on the command line and in the environment. */
class MessagingOptionsTest {
    private static SwitchboardConfig config(Map<String, String> env, String... args) {
        var cl = Main.commandLine(env);
        cl.parseArgs(args);
        return ((Main) cl.getCommand()).toConfig();
    }

    @Test
    void topicHistoryIsRepeatableAndTheVariableTakesACommaSeparatedList() {
        SwitchboardConfig flags = config(Map.of(), "--topic-history", "orders.>=100:60000", "--topic-history", "audit=10");
        assertThat(flags.topicHistory()).containsExactly(new HistoryRule("orders.>", 100, 60000), new HistoryRule("audit", 10, 0));
        SwitchboardConfig env = config(Map.of("SWITCHBOARD_TOPIC_HISTORY", "orders.>=100:60000,audit=10",
                "SWITCHBOARD_TOPIC_HISTORY_MAX_BYTES", "1000", "SWITCHBOARD_SLOW_CONSUMER_POLICY", "drop-oldest"));
        assertThat(env.topicHistory()).isEqualTo(flags.topicHistory());
        assertThat(env.topicHistoryMaxBytes()).isEqualTo(1000);
        assertThat(env.slowConsumerPolicy()).isEqualTo(SlowConsumerPolicy.DROP_OLDEST);
        assertThat(config(Map.of()).slowConsumerPolicy()).isEqualTo(SlowConsumerPolicy.DISCONNECT);
        assertThat(config(Map.of()).topicHistory()).isEmpty();
    }

    @Test
    void badValuesAreOneLineErrorsNamingTheOption(@TempDir Path dir) throws Exception {
        assertThatThrownBy(() -> config(Map.of(), "--topic-history", "orders.>")).hasMessageContaining("PATTERN=SIZE");
        assertThatThrownBy(() -> config(Map.of(), "--slow-consumer-policy", "pause")).hasMessageContaining("--slow-consumer-policy");
        Path acl = dir.resolve("acl.json");
        Files.writeString(acl, "{\"identities\":[{\"name\":\"x\",\"token\":\"t\",\"publsh\":[\">\"]}]}");
        assertThatThrownBy(() -> config(Map.of(), "--acl", acl.toString())).hasMessageContaining("--acl").hasMessageContaining("publsh");
        StringWriter err = new StringWriter();
        int code = Main.run(new String[] {"--acl", dir.resolve("missing.json").toString(), "--port", "0"}, Map.of(),
                new PrintWriter(new StringWriter(), true), new PrintWriter(err, true));
        assertThat(code).isEqualTo(2);
        assertThat(err.toString()).startsWith("switchboard: ").contains("missing.json");
    }

    @Test
    void theAclFileMapsTokensToIdentities(@TempDir Path dir) throws Exception {
        Path acl = dir.resolve("acl.json");
        Files.writeString(acl, """
                {"identities": [{"name": "billing", "token": "s3cret", "publish": ["billing.>"], "call": ["billing.*"]}],
                 "anonymous": {"subscribe": ["public.>"]}}
                """);
        SwitchboardConfig c = config(Map.of("SWITCHBOARD_ACL", acl.toString()));
        assertThat(c.acl().byToken("s3cret").name()).isEqualTo("billing");
        assertThat(c.acl().byToken("s3cret").may(Permission.CALL, "billing.invoice")).isTrue();
        assertThat(c.acl().byToken("s3cret").may(Permission.SERVE, "billing.invoice")).isFalse();
        assertThat(c.acl().byToken("other")).isNull();
        assertThat(c.acl().anonymous(false).may(Permission.SUBSCRIBE, "public.news")).isTrue();
        assertThat(c.acl().anonymous(false).may(Permission.PUBLISH, "public.news")).isFalse();
        assertThat(c.acl().anonymous(true).may(Permission.PUBLISH, "anything")).isTrue();
    }
}
