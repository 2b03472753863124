package dev.switchboard.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.server.SwitchboardConfig;
import dev.switchboard.server.webhook.WebhookRule;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The repeatable webhook options, from the command line and from the environment. */
class WebhookOptionsTest {
    private static SwitchboardConfig config(Map<String, String> env, String... args) {
        CommandLine cl = Main.commandLine(env);
        cl.parseArgs(args);
        return ((Main) cl.getCommand()).toConfig();
    }

    private static List<String> rules(SwitchboardConfig c) {
        return c.rpcWebhooks().stream().map(WebhookRule::toString).toList();
    }

    @Test
    void nothingIsAWebhookAndNoUrlMayBeAHookByDefault() {
        SwitchboardConfig c = config(Map.of());
        assertThat(c.rpcWebhooks()).isEmpty();
        assertThat(c.rpcHookUrlAllow()).isEmpty();
        assertThat(c.webhookMaxInFlight()).isEqualTo(1024);
        assertThat(c.webhookConnectTimeoutMs()).isEqualTo(5000);
        assertThat(c.webhookMaxResponseBytes()).isEqualTo(1 << 20);
    }

    @Test
    void rulesRepeatOnTheCommandLineInTheirOrder() {
        SwitchboardConfig c = config(Map.of(), "--rpc-webhook", "billing.>=http://127.0.0.1:8081/rpc",
                "--rpc-webhook", "audit.*=https://audit.example/hook?x=1,2", "--rpc-hook-url-allow", "http://127.0.0.1:8081/hooks/");
        assertThat(rules(c)).containsExactly("billing.>=http://127.0.0.1:8081/rpc", "audit.*=https://audit.example/hook?x=1,2");
        assertThat(c.rpcHookUrlAllow()).containsExactly("http://127.0.0.1:8081/hooks/");
    }

    @Test
    void theEnvironmentSeparatesRulesWithSemicolonsOrNewlines() {
        SwitchboardConfig c = config(Map.of(
                "SWITCHBOARD_RPC_WEBHOOK", "billing.>=http://127.0.0.1:8081/rpc;audit.*=http://127.0.0.1:8082/a\njobs.>=http://127.0.0.1:8083/j;",
                "SWITCHBOARD_RPC_HOOK_URL_ALLOW", "http://a.example/hooks/;http://b.example/done/"));
        assertThat(rules(c)).containsExactly("billing.>=http://127.0.0.1:8081/rpc", "audit.*=http://127.0.0.1:8082/a",
                "jobs.>=http://127.0.0.1:8083/j");
        assertThat(c.rpcHookUrlAllow()).containsExactly("http://a.example/hooks/", "http://b.example/done/");
    }

    @Test
    void aMalformedRuleStopsTheServerWithItsReason() {
        for (String rule : List.of("no-equals-sign", "billing.>=ftp://x/", "bad..pattern=http://x/", "a.b=http://user@x/")) {
            StringWriter err = new StringWriter();
            int code = Main.run(new String[] {"--rpc-webhook", rule}, Map.of(), new PrintWriter(new StringWriter(), true),
                    new PrintWriter(err, true));
            assertThat(code).as(rule).isEqualTo(2);
            assertThat(err.toString()).as(rule).contains("--rpc-webhook");
        }
    }
}
