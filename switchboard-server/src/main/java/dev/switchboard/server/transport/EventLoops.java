package dev.switchboard.server.transport;

import io.netty.channel.Channel;

/** Running a step on a connection's event loop, where its handler's state lives. */
public final class EventLoops {
    private EventLoops() {
    }

    /**
     * Runs {@code task} on the channel's event loop: now when called there — so that what it
     * writes goes out before anything another thread writes after this moment — else as the
     * loop's next task (ahead of whatever this thread submits to the channel afterwards).
     */
    public static void now(Channel ch, Runnable task) {
        if (ch.eventLoop().inEventLoop()) {
            task.run();
        } else {
            ch.eventLoop().execute(task);
        }
    }
}
