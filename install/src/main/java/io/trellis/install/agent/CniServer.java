package io.trellis.install.agent;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node agent's Unix socket for the CNI plugin: one request per connection (see {@code cni/trellis-cni.c}),
 * each handled on a virtual thread. Mode 0600: only root (the container runtime) may call it.
 */
public final class CniServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(CniServer.class);
    /** The plugin never sends more than its 1 MiB stdin plus the environment. */
    private static final int MAX_REQUEST = (1 << 20) + 64 * 1024;

    private final Path path;
    private final ServerSocketChannel server;
    private final NodeAgent agent;
    private final Thread acceptor;

    private CniServer(Path path, ServerSocketChannel server, NodeAgent agent) {
        this.path = path;
        this.server = server;
        this.agent = agent;
        this.acceptor = Thread.ofPlatform().daemon().name("cni-server").unstarted(this::acceptLoop);
    }

    /** Binds {@code path} (replacing a stale socket file) and starts serving. */
    public static CniServer start(Path path, NodeAgent agent) throws IOException {
        Files.createDirectories(path.toAbsolutePath().getParent());
        Files.deleteIfExists(path);
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(path));
        Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-------"));
        CniServer s = new CniServer(path, server, agent);
        s.acceptor.start();
        LOG.info("event=cni_server_started socket={}", path);
        return s;
    }

    public Path path() {
        return path;
    }

    private void acceptLoop() {
        while (server.isOpen()) {
            try {
                SocketChannel connection = server.accept();
                Thread.ofVirtual().name("cni-request").start(() -> serve(connection));
            } catch (IOException e) {
                if (server.isOpen()) {
                    LOG.warn("event=cni_accept_failed problem=\"{}\"", e.getMessage());
                }
            }
        }
    }

    private void serve(SocketChannel connection) {
        try (connection) {
            ByteArrayOutputStream request = new ByteArrayOutputStream();
            ByteBuffer buf = ByteBuffer.allocate(16 * 1024);
            while (connection.read(buf) >= 0) {
                request.write(buf.array(), 0, buf.position());
                buf.clear();
                if (request.size() > MAX_REQUEST) {
                    reply(connection, CniResponse.error("1.0.0", "trellis-cni: request too large", ""));
                    return;
                }
            }
            CniResponse response;
            try {
                response = agent.handle(CniRequest.parse(request.toByteArray()));
            } catch (IllegalArgumentException e) {
                response = CniResponse.error("1.0.0", "trellis-cni: malformed request from the plugin", e.getMessage());
            }
            reply(connection, response);
        } catch (IOException | RuntimeException e) {
            LOG.warn("event=cni_request_failed problem=\"{}\"", e.toString());
        }
    }

    private static void reply(SocketChannel connection, CniResponse response) throws IOException {
        ByteBuffer out = ByteBuffer.wrap(response.wire());
        while (out.hasRemaining()) {
            connection.write(out);
        }
    }

    @Override
    public void close() {
        try {
            server.close();
            Files.deleteIfExists(path);
        } catch (IOException e) {
            LOG.warn("event=cni_server_close_failed problem=\"{}\"", e.getMessage());
        }
    }
}
