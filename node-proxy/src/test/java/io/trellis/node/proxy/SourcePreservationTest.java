package io.trellis.node.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;

/** Which source address the connection to the app is made from. */
class SourcePreservationTest {

    private static final InetSocketAddress APP = new InetSocketAddress("10.0.2.7", 8080);

    @Test
    void aRemoteClientsAddressIsKeptWithAnyPort() throws Exception {
        assertThat(new SourcePreservation(true).sourceFor(InetAddress.getByName("10.0.1.5"), APP))
                .isEqualTo(new InetSocketAddress("10.0.1.5", 0));
    }

    @Test
    void loopbackIsKeptOnlyTowardLoopback() throws Exception {
        SourcePreservation on = new SourcePreservation(true);
        assertThat(on.sourceFor(InetAddress.getByName("127.77.0.2"), new InetSocketAddress("127.77.0.3", 80)))
                .isEqualTo(new InetSocketAddress("127.77.0.2", 0));
        assertThat(on.sourceFor(InetAddress.getByName("127.0.0.1"), APP)).isNull();
    }

    @Test
    void notKeptWhenOffUnknownOfAnotherFamilyLocalOrTheAppsOwn() throws Exception {
        SourcePreservation on = new SourcePreservation(true);
        assertThat(new SourcePreservation(false).sourceFor(InetAddress.getByName("10.0.1.5"), APP)).isNull();
        assertThat(on.sourceFor(null, APP)).isNull();
        assertThat(on.sourceFor(InetAddress.getByName("fd00::5"), APP)).isNull();
        assertThat(on.sourceFor(InetAddress.getByName("127.0.0.1"), APP)).isNull();
        assertThat(on.sourceFor(InetAddress.getByName("0.0.0.0"), APP)).isNull();
        assertThat(on.sourceFor(APP.getAddress(), APP)).isNull();
    }
}
