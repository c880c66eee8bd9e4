package io.trellis.ctl.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.trellis.controller.ControllerMain;
import io.trellis.install.kube.InstallOptions;
import io.trellis.install.kube.ManifestRenderer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The rendered manifests start the programs with arguments those programs accept. */
class ManifestArgsTest {

    private static Container container(String name) {
        for (HasMetadata o : ManifestRenderer.render(InstallOptions.defaults())) {
            if (o.getMetadata().getName().equals(name)) {
                if (o instanceof DaemonSet d) {
                    return d.getSpec().getTemplate().getSpec().getContainers().getFirst();
                }
                if (o instanceof Deployment d) {
                    return d.getSpec().getTemplate().getSpec().getContainers().getFirst();
                }
            }
        }
        throw new AssertionError("no workload " + name);
    }

    @Test
    void nodeAgentArgsParse() {
        List<String> args = container("trellis-node-agent").getArgs().stream()
                .map(a -> a.replace("$(TRELLIS_NODE_NAME)", "node-a")).toList();
        NodeAgentMain main = new NodeAgentMain();
        CommandLine cli = new CommandLine(main);
        cli.registerConverter(Duration.class, Duration::parse);
        cli.parseArgs(args.toArray(new String[0]));
        assertThat(main.nodeName).isEqualTo("node-a");
        assertThat(main.cniBinDir).isEqualTo(Path.of("/host/opt/cni/bin"));
        assertThat(main.socket).isEqualTo(Path.of("/var/run/trellis/cni.sock"));
        assertThat(main.enrollmentSocket).isEqualTo(Path.of("/var/run/trellis/enroll.sock"));
        assertThat(main.excluded).containsExactly("kube-system", "trellis-system");
    }

    @Test
    void controllerArgsParse() {
        List<String> args = container("trellis-controller").getArgs();
        CommandLine cli = new CommandLine(new ControllerMain());
        cli.registerConverter(Duration.class, Duration::parse);
        CommandLine.ParseResult parsed = cli.parseArgs(args.toArray(new String[0]));
        assertThat(parsed.hasMatchedOption("--kubernetes")).isTrue();
        assertThat(parsed.matchedOptionValue("--root-namespace", "")).isEqualTo("trellis-system");
        assertThat(parsed.matchedOptionValue("--xds-tls-port", 0)).isEqualTo(15012);
    }
}
