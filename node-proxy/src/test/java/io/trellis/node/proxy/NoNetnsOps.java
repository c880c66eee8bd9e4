package io.trellis.node.proxy;

import io.trellis.node.inpod.Netns;
import io.trellis.node.inpod.NetnsOps;
import io.trellis.node.inpod.NetnsTask;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;

/** For loopback tests that never enter a namespace: any attempt is a test bug and fails loudly. */
final class NoNetnsOps implements NetnsOps {

    @Override
    public Netns open(Path path) {
        throw new UnsupportedOperationException("loopback test: no namespaces");
    }

    @Override
    public Netns adopt(int fd, String source) {
        throw new UnsupportedOperationException("loopback test: no namespaces");
    }

    @Override
    public <T> CompletableFuture<T> submit(Netns netns, NetnsTask<T> task) {
        return CompletableFuture.failedFuture(new UnsupportedOperationException("loopback test: no namespaces"));
    }

    @Override
    public long currentThreadNetnsInode() {
        return 0;
    }

    @Override
    public void close() {}
}
