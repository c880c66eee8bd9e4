package io.trellis.install.lab;

import static io.trellis.install.lab.NetnsTestSupport.ok;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.trellis.install.agent.CommandResult;
import io.trellis.install.agent.CommandRunner;
import io.trellis.install.agent.Netns;
import io.trellis.install.agent.ProcessCommandRunner;
import io.trellis.testkit.Await;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Teardown in the states a user finds after a crash; each test uses its own prefix and always cleans up. */
class LabTeardownTest {

    @TempDir
    Path runRoot;

    private final ProcessCommandRunner host = new ProcessCommandRunner();
    private String prefix = "";
    private LabManager manager;

    @BeforeEach
    void setUp() {
        NetnsTestSupport.assumeNetnsAvailable();
        prefix = NetnsTestSupport.uniquePrefix();
        manager = new LabManager(host, runRoot);
    }

    @AfterEach
    void cleanUp() {
        if (manager != null && !prefix.isEmpty()) {
            manager.down(prefix);
        }
    }

    @Test
    void downAfterACrashStopsRecordedProcessesAndRemovesEverything() {
        Lab lab = manager.up(LabSpec.standard(prefix, 2, 1));
        LabProcess sleeper = lab.pod("b1").start("sleeper", List.of("python3", "-u", "-c",
                "import time; print('up', flush=True); time.sleep(600)"));
        Await.until("sleeper up", NetnsTestSupport.WAIT, () -> sleeper.log().contains("up"));
        // The JVM that built the lab is gone: a new manager only has the state file and the kernel.
        LabManager afterCrash = new LabManager(new ProcessCommandRunner(), runRoot);
        LabStatus before = afterCrash.status(prefix);
        assertThat(before.spec()).isEqualTo(lab.spec());
        assertThat(before.namespaces()).hasSize(1 + 2 + 2);
        assertThat(before.processes()).singleElement().satisfies(p -> assertThat(p.alive()).isTrue());

        TeardownReport report = afterCrash.down(prefix);

        assertThat(report.stoppedPids()).contains(sleeper.pid());
        assertThat(report.namespaces()).hasSize(5);
        assertThat(sleeper.isAlive()).isFalse();
        assertThat(afterCrash.status(prefix).empty()).isTrue();
        assertThat(Files.exists(runRoot.resolve(prefix).resolve("state.json"))).isFalse();
        assertThat(ok(host.run(Netns.host(), List.of("ip", "netns", "list")))).doesNotContain(prefix);
    }

    @Test
    void downWithoutAStateFileFindsNamespacesProcessesAndLinksByPrefix() {
        // What a run killed half way through building leaves: namespaces, a veth between them, a
        // process inside one, a stray veth pair in the host namespace (down, no address: it carries no traffic), and no state file.
        String node = prefix + "-node1";
        String underlay = prefix + "-underlay";
        String stray = prefix + "-x";
        String strayPeer = prefix + "-y";
        ok(host.run(Netns.host(), List.of("ip", "netns", "add", node)));
        ok(host.run(Netns.host(), List.of("ip", "netns", "add", underlay)));
        ok(host.run(Netns.named(node), List.of("ip", "link", "add", "eth0", "type", "veth", "peer", "name", "n1",
                "netns", underlay)));
        // A veth pair left in the host namespace, as a crash between 'link add' and moving it would leave.
        ok(host.run(Netns.host(), List.of("ip", "link", "add", stray, "type", "veth", "peer", "name", strayPeer)));
        ProcessHandle orphan = startOrphan(node);

        TeardownReport report = manager.down(prefix);

        assertThat(report.namespaces()).containsExactlyInAnyOrder(node, underlay);
        assertThat(report.hostLinks()).containsExactly(stray, strayPeer);
        assertThat(report.stoppedPids()).contains(orphan.pid());
        Await.until("orphan gone", NetnsTestSupport.WAIT, () -> !orphan.isAlive());
        assertThat(manager.status(prefix).empty()).isTrue();
        assertThat(ok(host.run(Netns.host(), List.of("ip", "-o", "link", "show")))).doesNotContain(prefix);
    }

    @Test
    void downOfALabThatDoesNotExistIsANoOp() {
        assertThat(manager.down(prefix).nothingRemoved()).isTrue();
    }

    @Test
    void upRefusesToBuildOverALabThatExists() {
        manager.up(LabSpec.standard(prefix, 1, 1));

        assertThatThrownBy(() -> manager.up(LabSpec.standard(prefix, 1, 1)))
                .isInstanceOf(LabException.AlreadyExists.class)
                .hasMessageContaining("lab down --prefix " + prefix);
    }

    @Test
    void aFailureHalfWayThroughUpRemovesWhatWasBuilt() {
        CommandRunner failing = (netns, argv, stdin) -> argv.contains("default")
                ? new CommandResult(argv, 2, "", "RTNETLINK answers: injected failure\n")
                : host.run(netns, argv, stdin);
        LabManager flaky = new LabManager(failing, runRoot);

        assertThatThrownBy(() -> flaky.up(LabSpec.standard(prefix, 2, 2)))
                .isInstanceOf(LabException.SetupFailed.class)
                .hasMessageContaining("route add default via 10.241.1.1 dev eth0' exited with 2: RTNETLINK answers: injected failure")
                .hasMessageContaining("removed again");
        assertThat(manager.status(prefix).empty()).isTrue();
    }

    /** A process inside the namespace that no state file knows, as 'lab exec' or a crashed run leaves. */
    private static ProcessHandle startOrphan(String netns) {
        try {
            Process process = new ProcessBuilder(ProcessCommandRunner.inNetns(Netns.named(netns),
                    List.of("python3", "-c", "import time; time.sleep(600)")))
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            ProcessHandle handle = process.toHandle();
            Await.until("orphan inside " + netns, NetnsTestSupport.WAIT, () -> new ProcessCommandRunner()
                    .run(Netns.host(), List.of("ip", "netns", "pids", netns)).stdout().contains(String.valueOf(handle.pid())));
            return handle;
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
