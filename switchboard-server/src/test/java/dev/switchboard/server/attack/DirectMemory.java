package dev.switchboard.server.attack;

import static org.awaitility.Awaitility.await;

import com.sun.tools.attach.VirtualMachine;
import java.io.IOException;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import javax.management.MBeanServerConnection;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;
import org.awaitility.core.ConditionTimeoutException;

/**
 * The direct memory a {@link SmallHeapServer} uses, read from its {@code direct} buffer pool over
 * a local JMX connection (the server's {@code /metrics} has no JVM series). This is the memory
 * that {@code -XX:MaxDirectMemorySize} bounds and that Netty's socket buffers come from when, as
 * here, Netty allocates them through the JDK: an attack that fills it blocks the I/O threads in
 * {@code Bits.reserveMemory}.
 */
final class DirectMemory implements AutoCloseable {
    private static final String DIRECT_POOL = "java.nio:type=BufferPool,name=direct";
    /**
     * How far direct memory may stay above its reading before an attack: Netty's pool keeps some
     * chunks it allocated. The attack tests saw it come back within 128 KiB; an attack that still
     * held its buffers would hold tens of MiB, up to the whole {@link SmallHeapServer#DIRECT_MEMORY}.
     */
    static final long TOLERANCE_BYTES = 4L * 1024 * 1024;

    private final JMXConnector connector;
    private final BufferPoolMXBean pool;
    private final MemoryMXBean memory;

    private DirectMemory(JMXConnector connector, BufferPoolMXBean pool, MemoryMXBean memory) {
        this.connector = connector;
        this.pool = pool;
        this.memory = memory;
    }

    /** Attaches to the server's JVM (the JDK's local attach, as {@code jcmd} uses) and opens its JMX agent. */
    static DirectMemory of(SmallHeapServer server) throws IOException {
        String address;
        try {
            VirtualMachine vm = VirtualMachine.attach(String.valueOf(server.pid()));
            try {
                address = vm.startLocalManagementAgent();
            } finally {
                vm.detach();
            }
        } catch (com.sun.tools.attach.AttachNotSupportedException e) {
            throw new IllegalStateException("the attack tests need a JDK that can attach to the server", e);
        }
        JMXConnector connector = JMXConnectorFactory.connect(new JMXServiceURL(address));
        MBeanServerConnection mbeans = connector.getMBeanServerConnection();
        return new DirectMemory(connector,
                ManagementFactory.newPlatformMXBeanProxy(mbeans, DIRECT_POOL, BufferPoolMXBean.class),
                ManagementFactory.newPlatformMXBeanProxy(mbeans, ManagementFactory.MEMORY_MXBEAN_NAME, MemoryMXBean.class));
    }

    /**
     * Bytes of direct buffers the server holds, read after a full collection in the server: a
     * buffer nobody references any more is counted until the collector has run its cleaner.
     */
    long usedBytes() {
        memory.gc();
        return pool.getMemoryUsed();
    }

    /** Waits up to {@link SmallHeapServer#SETTLE} for direct memory to come back within {@link #TOLERANCE_BYTES} of {@code before}. */
    void assertBackNear(long before) {
        AtomicLong now = new AtomicLong();
        try {
            await().atMost(SmallHeapServer.SETTLE).pollDelay(Duration.ZERO).pollInterval(Duration.ofSeconds(1)).until(() -> {
                now.set(usedBytes());
                return now.get() <= before + TOLERANCE_BYTES;
            });
        } catch (ConditionTimeoutException e) {
            throw new AssertionError("direct memory " + now.get() + " bytes, " + (now.get() - before) + " above its "
                    + before + " before the attack (tolerance " + TOLERANCE_BYTES + ")", e);
        }
    }

    @Override
    public void close() throws IOException {
        connector.close();
    }
}
