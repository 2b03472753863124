package dev.switchboard.server.dflockd;

import dev.switchboard.server.Switchboard;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** One server with the reference test settings, shared by the tests of a class. */
abstract class SharedServer {
    static Switchboard sb;

    @BeforeAll
    static void startServer() {
        sb = LineClient.start();
    }

    @AfterAll
    static void stopServer() {
        if (sb != null) sb.close();
    }
}
