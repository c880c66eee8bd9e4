package io.trellis.node.inpod.linux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.trellis.node.inpod.NativeCallException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;

/** Socket options on sockets in our own namespace (no root needed) and their error messages. */
class LinuxSocketOptionsTest {

    private final LinuxSocketOptions options = new LinuxSocketOptions();

    private static int tcpSocket(int family) throws Throwable {
        try (Arena arena = Arena.ofConfined()) {
            int fd = (int) Libc.SOCKET.invokeExact(Libc.errnoSlot(arena), family, Libc.SOCK_STREAM | Libc.SOCK_CLOEXEC, 0);
            assertThat(fd).isNotNegative();
            return fd;
        }
    }

    @Test
    void reusePortRoundTrips() throws Throwable {
        int fd = tcpSocket(Libc.AF_INET6);
        try {
            assertThat(options.reusePort(fd)).isFalse();
            options.setReusePort(fd, true);
            assertThat(options.reusePort(fd)).isTrue();
        } finally {
            Libc.close(fd);
        }
    }

    @Test
    void aClosedFdIsReportedWithErrnoAndHint() throws Throwable {
        int fd = tcpSocket(Libc.AF_INET);
        Libc.close(fd);

        assertThatThrownBy(() -> options.mark(fd))
                .isInstanceOf(NativeCallException.class)
                .hasMessage("getsockopt(SO_MARK, fd " + fd + ") failed: EBADF (Bad file descriptor)"
                        + " — the socket was already closed")
                .satisfies(e -> {
                    NativeCallException n = (NativeCallException) e;
                    assertThat(n.errno()).isEqualTo(9);
                    assertThat(n.errnoName()).isEqualTo("EBADF");
                });
    }

    @Test
    void originalDestinationOfAnUnconnectedSocketFailsClearly() throws Throwable {
        int fd = tcpSocket(Libc.AF_INET);
        try {
            assertThatThrownBy(() -> options.originalDestination(fd))
                    .isInstanceOf(NativeCallException.class)
                    .hasMessageStartingWith("getsockopt(SO_ORIGINAL_DST, fd " + fd + ") failed: ");
        } finally {
            Libc.close(fd);
        }
    }

    @Test
    void errnoIsCapturedPerCall() throws Throwable {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment slot = Libc.errnoSlot(arena);
            int rc = (int) Libc.SETNS.invokeExact(slot, -1, Libc.CLONE_NEWNET);
            assertThat(rc).isEqualTo(-1);
            assertThat(Libc.errno(slot)).isEqualTo(Errno.EBADF);
        }
    }
}
