package io.trellis.perf.suite;

import io.trellis.perf.peer.ChildJvmPair;
import io.trellis.perf.peer.HaproxyPair;
import io.trellis.perf.peer.NginxProxy;
import io.trellis.perf.peer.PeerException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;

/** A running path toward one target: where to connect and which processes to account for. */
record PathSetup(InetSocketAddress entry, List<Long> pids, AutoCloseable resource) implements AutoCloseable {

    static PathSetup open(PathKind kind, Path runDir, InetSocketAddress target, List<String> jvmFlags,
            String classpath) throws PeerException {
        return switch (kind) {
            case DIRECT -> new PathSetup(target, List.of(), () -> { });
            case HAPROXY_PAIR -> {
                HaproxyPair pair = HaproxyPair.start(runDir, target);
                yield new PathSetup(pair.entry(), pair.pids(), pair);
            }
            case RELAY_PAIR, HBONE_PAIR -> {
                ChildJvmPair pair = ChildJvmPair.start(runDir, kind == PathKind.HBONE_PAIR ? "hbone" : "relay",
                        target, jvmFlags, classpath);
                yield new PathSetup(pair.entry(), pair.pids(), pair);
            }
            case NGINX_L7 -> {
                NginxProxy nginx = NginxProxy.start(runDir, target);
                yield new PathSetup(nginx.entry(), nginx.pids(), nginx);
            }
        };
    }

    @Override
    public void close() throws Exception {
        resource.close();
    }
}
