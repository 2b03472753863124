package dev.switchboard.server.http.nativeapi;

import static dev.switchboard.server.http.nativeapi.NativeHttp.assertError;

import dev.switchboard.server.Switchboard;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** --max-locks reached: 503 max_locks. */
class NativeMaxLocksTest {
    private static Switchboard sb;
    private static NativeHttp http;

    @BeforeAll
    static void start() {
        sb = NativeHttp.config().maxLocks(2).start();
        http = new NativeHttp(sb.port());
    }

    @AfterAll
    static void stop() {
        if (sb != null) sb.close();
    }

    @Test
    void aThirdKeyAnswers503() {
        String s = http.createSession();
        http.acquire(s, "a");
        http.acquire(s, "b");
        assertError(http.op(s, "lock.acquire", "{\"key\":\"c\",\"timeout_ms\":0}"), 503, "max_locks");
    }
}
