package dev.switchboard.client;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A test-only TCP forwarder between a client and the server, standing in for the network: while
 * it is {@linkplain #down() down} it cuts every forwarded connection and closes new ones at once
 * (like a load balancer with no backend), so the client sees its connection drop and its
 * reconnects fail until it is {@linkplain #up() up} again. Bounded: at most
 * {@value #MAX_CONNECTIONS} connections, daemon threads, everything closed by {@link #close()}.
 */
final class TcpProxy implements AutoCloseable {
    private static final int MAX_CONNECTIONS = 500;

    private final ServerSocket listener;
    private final int targetPort;
    private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "tcp-proxy");
        t.setDaemon(true);
        return t;
    });
    private final AtomicInteger accepted = new AtomicInteger();
    private final List<Socket> open = new ArrayList<>(); // guarded by "this"
    private boolean up = true; // guarded by "this"

    TcpProxy(int targetPort) throws IOException {
        this.targetPort = targetPort;
        this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        threads.execute(this::acceptLoop);
    }

    int port() {
        return listener.getLocalPort();
    }

    /** Connections accepted so far, forwarded or refused. */
    int accepted() {
        return accepted.get();
    }

    /** Cuts every forwarded connection and refuses new ones until {@link #up()}. */
    void down() {
        List<Socket> toClose;
        synchronized (this) {
            up = false;
            toClose = new ArrayList<>(open);
            open.clear();
        }
        toClose.forEach(TcpProxy::closeQuietly);
    }

    synchronized void up() {
        up = true;
    }

    private void acceptLoop() {
        while (!listener.isClosed()) {
            Socket client;
            try {
                client = listener.accept();
            } catch (IOException e) {
                return;
            }
            if (accepted.incrementAndGet() > MAX_CONNECTIONS) {
                closeQuietly(client);
                continue;
            }
            try {
                synchronized (this) {
                    if (!up) {
                        closeQuietly(client);
                        continue;
                    }
                    Socket server = new Socket(InetAddress.getLoopbackAddress(), targetPort);
                    client.setTcpNoDelay(true);
                    server.setTcpNoDelay(true);
                    open.add(client);
                    open.add(server);
                    threads.execute(() -> pump(client, server));
                    threads.execute(() -> pump(server, client));
                }
            } catch (IOException e) {
                closeQuietly(client);
            }
        }
    }

    private void pump(Socket from, Socket to) {
        byte[] buf = new byte[16 * 1024];
        try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
            int n;
            while ((n = in.read(buf)) >= 0) {
                out.write(buf, 0, n);
                out.flush();
            }
        } catch (IOException e) {
            // cut by down(), or the peer went away
        } finally {
            closeQuietly(from);
            closeQuietly(to);
        }
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException e) {
            // nothing to do
        }
    }

    @Override
    public void close() {
        closeQuietly2(listener);
        down();
        threads.shutdownNow();
    }

    private static void closeQuietly2(ServerSocket s) {
        try {
            s.close();
        } catch (IOException e) {
            // nothing to do
        }
    }
}
