package dev.switchboard.protocol;

import io.netty.util.ResourceLeakDetector;

/**
 * Netty's buffer leak detector for Switchboard's own programs (the server, the benchmark): off
 * unless asked for with {@code -Dio.netty.leakDetection.level=simple} (or advanced, paranoid).
 *
 * <p>Why: at its default level it records the stack of one buffer in 128, and that stack walk was
 * 8% of the Java client's CPU per lock call in a profile (a buffer or two per message, each walk
 * tens of microseconds). It finds bugs in development, which is where the test suites keep it on
 * (they do not go through here). Vert.x makes the same choice for the same reason. A library does
 * not change it for the application it runs in: the Java client leaves it alone.
 */
public final class LeakDetection {
    private LeakDetection() {
    }

    /** Turns the detector off unless a level was given on the command line. */
    public static void offUnlessAsked() {
        if (System.getProperty("io.netty.leakDetection.level") == null && System.getProperty("io.netty.leakDetectionLevel") == null) {
            ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.DISABLED);
        }
    }
}
