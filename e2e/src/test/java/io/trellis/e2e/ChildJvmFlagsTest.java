package io.trellis.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Which JVM flags each kind of child gets: C1 for the node-proxy and tools, C2 for the waypoint. */
class ChildJvmFlagsTest {

    @Test
    void nodeProxyRunsC1WithTheFootprintFlags() {
        assertThat(ChildJvm.flagsFor("io.trellis.node.NodeProxyMain"))
                .containsExactlyElementsOf(ChildJvm.PROXY_FLAGS)
                .contains("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-XX:ReservedCodeCacheSize=32m");
    }

    @Test
    void waypointRunsC2WithTheSameFootprintFlagsOtherwise() {
        assertThat(ChildJvm.flagsFor("io.trellis.waypoint.WaypointMain"))
                .containsExactlyElementsOf(ChildJvm.WAYPOINT_FLAGS)
                .doesNotContain("-XX:TieredStopAtLevel=1", "-XX:ReservedCodeCacheSize=32m")
                .contains("-XX:ReservedCodeCacheSize=48m", "-XX:+UseSerialGC", "-Xmx128m");
        assertThat(ChildJvm.WAYPOINT_FLAGS).hasSize(ChildJvm.PROXY_FLAGS.size() - 1);
    }

    @Test
    void everythingElseGetsTheToolFlags() {
        assertThat(ChildJvm.flagsFor("io.trellis.controller.ControllerMain")).isEqualTo(ChildJvm.TOOL_FLAGS);
    }
}
