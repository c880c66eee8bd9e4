package io.trellis.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Which JVM flags each kind of child gets: the proxies' (C2, footprint flags) or the tools' (C1). */
class ChildJvmFlagsTest {

    @Test
    void bothProxiesRunC2WithTheFootprintFlags() {
        for (String main : new String[] {"io.trellis.node.NodeProxyMain", "io.trellis.waypoint.WaypointMain"}) {
            assertThat(ChildJvm.flagsFor(main)).as(main)
                    .containsExactlyElementsOf(ChildJvm.PROXY_FLAGS)
                    .doesNotContain("-XX:TieredStopAtLevel=1")
                    .contains("-XX:ReservedCodeCacheSize=48m", "-XX:+UseSerialGC", "-Xmx128m");
        }
    }

    @Test
    void everythingElseGetsTheToolFlags() {
        assertThat(ChildJvm.flagsFor("io.trellis.controller.ControllerMain")).isEqualTo(ChildJvm.TOOL_FLAGS);
    }
}
