package io.trellis.node.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.trellis.node.state.TestMesh;
import org.junit.jupiter.api.Test;

/** The client address in an HBONE {@code forwarded} header is untrusted input: literals only, never a lookup. */
class ForwardedForTest {

    @Test
    void parsesIpv4AndIpv6WithAndWithoutQuotesOrPort() {
        assertThat(ForwardedFor.parse("for=\"10.0.1.5:43210\"")).isEqualTo(TestMesh.ip("10.0.1.5"));
        assertThat(ForwardedFor.parse("for=10.0.1.5")).isEqualTo(TestMesh.ip("10.0.1.5"));
        assertThat(ForwardedFor.parse("for=\"[fd00::5]:43210\"")).isEqualTo(TestMesh.ip("fd00::5"));
        assertThat(ForwardedFor.parse("proto=https;for=\"10.0.0.7:1\", for=10.9.9.9")).isEqualTo(TestMesh.ip("10.0.0.7"));
    }

    @Test
    void theSameNodePathWritesWhatThisParses() {
        assertThat(ForwardedFor.parse(SameNodePath.forwarded(new java.net.InetSocketAddress("10.0.1.5", 43210))))
                .isEqualTo(TestMesh.ip("10.0.1.5"));
        assertThat(ForwardedFor.parse(SameNodePath.forwarded(new java.net.InetSocketAddress("fd00::5", 43210))))
                .isEqualTo(TestMesh.ip("fd00::5"));
        assertThat(SameNodePath.forwarded(new java.net.InetSocketAddress("fd00::5", 1))).isEqualTo("for=\"[fd00:0:0:0:0:0:0:5]:1\"");
    }

    @Test
    void rejectsAnythingButALiteral() {
        assertThat(ForwardedFor.parse(null)).isNull();
        assertThat(ForwardedFor.parse("")).isNull();
        assertThat(ForwardedFor.parse("by=10.0.0.1")).isNull();
        assertThat(ForwardedFor.parse("for=\"cafe.example:80\"")).isNull(); // hex letters, but a name
        assertThat(ForwardedFor.parse("for=\"[fd00::5\"")).isNull();
        assertThat(ForwardedFor.parse("for=\"unknown\"")).isNull();
        assertThat(ForwardedFor.isIpLiteral("bad.cafe")).isFalse();
        assertThat(ForwardedFor.isIpLiteral("10.1.2.3")).isTrue();
        assertThat(ForwardedFor.isIpLiteral("::1")).isTrue();
    }
}
