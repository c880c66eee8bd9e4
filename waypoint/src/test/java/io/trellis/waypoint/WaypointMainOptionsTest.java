package io.trellis.waypoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The controller-mode options of {@code trellis waypoint}. */
class WaypointMainOptionsTest {

    @Test
    void controllerModeOptions() {
        WaypointMain m = new WaypointMain();
        new CommandLine(m).parseArgs("--controller", "127.0.0.1:15010", "--bootstrap-token-file", "/tmp/t",
                "--name", "reviews-waypoint", "--namespace", "demo", "--drain", "500ms");

        assertThat(m.controller).isEqualTo("127.0.0.1:15010");
        assertThat(m.name).isEqualTo("reviews-waypoint");
        assertThat(m.namespace).isEqualTo("demo");
        assertThat(m.trustDomain).isEqualTo("cluster.local");
        assertThat(m.drain).isEqualTo(Duration.ofMillis(500));
        assertThat(m.admin).isEqualTo("127.0.0.1:15000");
        assertThat(m.readiness).isEqualTo("0.0.0.0:15021");
        assertThat(m.headerReadTimeout).isEqualTo(Duration.ofSeconds(10));
        assertThat(m.maxDownstreamConnections).isEqualTo(20_000);
    }

    @Test
    void slowClientDefencesAreConfigurable() {
        WaypointMain m = new WaypointMain();
        new CommandLine(m).parseArgs("--header-read-timeout", "2500ms", "--max-downstream-connections", "500");

        assertThat(m.headerReadTimeout).isEqualTo(Duration.ofMillis(2500));
        assertThat(m.maxDownstreamConnections).isEqualTo(500);
    }

    @Test
    void neitherModeIsAClearError() {
        WaypointMain m = new WaypointMain();
        new CommandLine(m).parseArgs("--listen", "127.0.0.1:0");

        assertThatThrownBy(m::call).isInstanceOf(CommandLine.ParameterException.class)
                .hasMessageContaining("give --controller");
    }

    @Test
    void controllerWithoutItsIdentityOptionsIsAClearError() {
        WaypointMain m = new WaypointMain();
        new CommandLine(m).parseArgs("--controller", "127.0.0.1:1");

        assertThatThrownBy(m::call).isInstanceOf(CommandLine.ParameterException.class)
                .hasMessageContaining("--controller needs --bootstrap-token-file, --name and --namespace");
    }

    @Test
    void controllerOverTlsOptions() {
        WaypointMain m = new WaypointMain();
        new CommandLine(m).parseArgs("--controller", "trellis-controller.trellis-system.svc:15012",
                "--controller-root-cert", "/etc/trellis/ca-root/root-cert.pem", "--controller-identity",
                "spiffe://cluster.local/ns/mesh/sa/trellis-controller", "--bootstrap-token-file", "/tmp/t",
                "--name", "reviews-waypoint", "--namespace", "demo");

        assertThat(m.controllerRootCert).isEqualTo(java.nio.file.Path.of("/etc/trellis/ca-root/root-cert.pem"));
        assertThat(m.controllerIdentity).isEqualTo("spiffe://cluster.local/ns/mesh/sa/trellis-controller");
    }

    @Test
    void aControllerIdentityOutsideTheTrustDomainIsAClearErrorBeforeAnyConnection() {
        WaypointMain m = new WaypointMain();
        new CommandLine(m).parseArgs("--controller", "127.0.0.1:1", "--controller-identity",
                "spiffe://elsewhere/ns/trellis-system/sa/trellis-controller", "--bootstrap-token-file", "/tmp/t",
                "--name", "reviews-waypoint", "--namespace", "demo");

        assertThatThrownBy(m::call).isInstanceOf(CommandLine.ParameterException.class)
                .hasMessageContaining("--controller-identity").hasMessageContaining("not in trust domain cluster.local");
    }

    @Test
    void badDurationIsRejected() {
        assertThatThrownBy(() -> new WaypointMain.DurationConverter().convert("soon"))
                .hasMessageContaining("not a duration like 5s");
    }
}
