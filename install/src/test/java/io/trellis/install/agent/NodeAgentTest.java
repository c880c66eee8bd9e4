package io.trellis.install.agent;

import static io.trellis.install.agent.AgentFakes.pod;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class NodeAgentTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Map<String, String> AMBIENT = Map.of("trellis.io/dataplane-mode", "ambient");
    private static final Map<String, String> NONE = Map.of("trellis.io/dataplane-mode", "none");
    private static final String PREV = "{\"cniVersion\":\"1.0.0\",\"ips\":[{\"address\":\"10.1.1.5/24\"}]}";

    private final AgentFakes.Pods pods = new AgentFakes.Pods()
            .add(pod("shop", "web", Map.of(), AMBIENT, false))
            .add(pod("shop", "batch", NONE, AMBIENT, false))
            .add(pod("shop", "node-exporter", Map.of(), AMBIENT, true))
            .add(pod("plain", "app", Map.of(), Map.of(), false))
            .add(pod("plain", "opted-in", AMBIENT, Map.of(), false))
            .add(pod("trellis-system", "node-proxy", AMBIENT, Map.of(), false));
    private final AgentFakes.Capture capture = new AgentFakes.Capture();
    private final AgentFakes.NodeProxy nodeProxy = new AgentFakes.NodeProxy();
    private final AgentFakes.Locator locator = new AgentFakes.Locator();
    private final NodeAgent agent = new NodeAgent("node-a", new EnrollmentPolicy(Set.of("trellis-system")), pods,
            capture, nodeProxy, locator);

    private static CniRequest add(String ns, String name, String netns) {
        return new CniRequest(Map.of("CNI_COMMAND", "ADD", "CNI_NETNS", netns, "CNI_CONTAINERID", "c1",
                "CNI_IFNAME", "eth0", "CNI_ARGS", "IgnoreUnknown=1;K8S_POD_NAMESPACE=" + ns + ";K8S_POD_NAME=" + name
                        + ";K8S_POD_UID=" + name + "-uid"),
                "{\"cniVersion\":\"1.0.0\",\"name\":\"k8s\",\"type\":\"trellis-cni\",\"prevResult\":" + PREV + "}");
    }

    @Test
    void enrolledPodGetsCaptureRulesAndIsEnrolledThenPrevResultPassesThrough() throws Exception {
        CniResponse r = agent.handle(add("shop", "web", "/var/run/netns/cni-1"));
        assertThat(r.ok()).isTrue();
        assertThat(JSON.readTree(r.stdout())).isEqualTo(JSON.readTree(PREV));
        assertThat(capture.installed).containsExactly(Path.of("/var/run/netns/cni-1"));
        assertThat(nodeProxy.pods).containsEntry("web-uid", Path.of("/var/run/netns/cni-1"));

        CniResponse optedIn = agent.handle(add("plain", "opted-in", "/var/run/netns/cni-2"));
        assertThat(optedIn.ok()).isTrue();
        assertThat(nodeProxy.pods).containsKey("opted-in-uid");
    }

    @Test
    void podsNotEnrolledPassThroughUntouched() throws Exception {
        for (String[] p : List.of(new String[] {"plain", "app"}, new String[] {"shop", "batch"},
                new String[] {"shop", "node-exporter"}, new String[] {"trellis-system", "node-proxy"})) {
            CniResponse r = agent.handle(add(p[0], p[1], "/var/run/netns/x"));
            assertThat(r.ok()).as(p[1]).isTrue();
            assertThat(JSON.readTree(r.stdout())).isEqualTo(JSON.readTree(PREV));
        }
        assertThat(capture.installed).isEmpty();
        assertThat(nodeProxy.pods).isEmpty();
    }

    @Test
    void failsClosedWhenTheNodeProxyIsNotReady() throws Exception {
        nodeProxy.ready = false;
        CniResponse r = agent.handle(add("shop", "web", "/var/run/netns/cni-1"));
        assertThat(r.ok()).isFalse();
        JsonNode error = JSON.readTree(r.stdout());
        assertThat(error.get("code").asInt()).isEqualTo(999);
        assertThat(error.get("msg").asText()).contains("shop/web", "node-proxy on node node-a is not ready");
        assertThat(capture.installed).isEmpty();
        // a pod that is not enrolled still starts: the mesh being down must not stop the rest of the node
        assertThat(agent.handle(add("plain", "app", "/var/run/netns/cni-3")).ok()).isTrue();
    }

    @Test
    void aRefusedEnrollmentRemovesTheCaptureRulesAgainAndFails() throws Exception {
        nodeProxy.refuse = "cannot open listeners";
        CniResponse r = agent.handle(add("shop", "web", "/var/run/netns/cni-1"));
        assertThat(r.ok()).isFalse();
        assertThat(r.stdout()).contains("cannot open listeners");
        assertThat(capture.installed).isEmpty();

        nodeProxy.refuse = null;
        capture.failure = new IllegalStateException("iptables-restore failed");
        assertThat(agent.handle(add("shop", "web", "/var/run/netns/cni-1")).stdout()).contains("iptables-restore");
        assertThat(nodeProxy.pods).isEmpty();
    }

    @Test
    void unknownPodOrMissingPrevResultOrBadJsonIsAnError() {
        assertThat(agent.handle(add("shop", "ghost", "/n")).stdout()).contains("not in the API server");
        CniRequest noPrev = new CniRequest(Map.of("CNI_COMMAND", "ADD", "CNI_ARGS",
                "K8S_POD_NAMESPACE=shop;K8S_POD_NAME=web"), "{\"cniVersion\":\"0.4.0\"}");
        CniResponse r = agent.handle(noPrev);
        assertThat(r.ok()).isFalse();
        assertThat(r.stdout()).contains("chained plugin", "\"cniVersion\":\"0.4.0\"");
        assertThat(agent.handle(new CniRequest(Map.of("CNI_COMMAND", "ADD"), "{not json")).stdout())
                .contains("not JSON");
    }

    @Test
    void delRemovesThePodAndAlwaysSucceeds() {
        agent.handle(add("shop", "web", "/var/run/netns/cni-1"));
        CniRequest del = new CniRequest(Map.of("CNI_COMMAND", "DEL", "CNI_ARGS",
                "K8S_POD_NAMESPACE=shop;K8S_POD_NAME=web;K8S_POD_UID=web-uid"), "{\"cniVersion\":\"1.0.0\"}");
        assertThat(agent.handle(del).ok()).isTrue();
        assertThat(nodeProxy.pods).isEmpty();
        assertThat(agent.handle(del).ok()).isTrue();
        assertThat(agent.enrolled()).isEmpty();
    }

    @Test
    void reconcileFindsRunningPodsByIpAndReplaysExactlyTheEnrolledOnes() throws Exception {
        PodFacts web = pod("shop", "web", Map.of(), AMBIENT, false, "10.1.1.5");
        PodFacts web2 = pod("shop", "web-2", Map.of(), AMBIENT, false, "10.1.1.6");
        PodFacts lost = pod("shop", "lost", Map.of(), AMBIENT, false, "10.1.1.7");
        PodFacts plain = pod("plain", "app", Map.of(), Map.of(), false, "10.1.1.8");
        PodFacts otherNode = new PodFacts("x-uid", "x", "shop", "x", "node-b", false, Map.of(), AMBIENT,
                List.of(InetAddress.ofLiteral("10.1.2.9")));
        locator.byIp.put(InetAddress.ofLiteral("10.1.1.5"), Path.of("/proc/100/ns/net"));
        locator.byIp.put(InetAddress.ofLiteral("10.1.1.6"), Path.of("/var/run/netns/cni-6"));
        locator.byIp.put(InetAddress.ofLiteral("10.1.1.8"), Path.of("/proc/300/ns/net"));

        List<String> missing = agent.reconcile(List.of(web, web2, lost, plain, otherNode));
        assertThat(missing).containsExactly("shop/lost");
        assertThat(nodeProxy.pods).containsOnlyKeys("web-uid", "web-2-uid");
        assertThat(capture.installed).containsExactlyInAnyOrder(Path.of("/proc/100/ns/net"),
                Path.of("/var/run/netns/cni-6"));

        // web-2 is gone: the next reconcile replays without it
        assertThat(agent.reconcile(List.of(web))).isEmpty();
        assertThat(nodeProxy.pods).containsOnlyKeys("web-uid");
        assertThat(nodeProxy.replays).isEqualTo(2);

        nodeProxy.ready = false;
        assertThatThrownBy(() -> agent.reconcile(List.of(web))).hasMessageContaining("not ready");
    }

    @Test
    void parsesThePluginsWireFormat() {
        CniRequest r = CniRequest.parse(("CNI_COMMAND=ADD\nCNI_NETNS=/var/run/netns/a\nCNI_ARGS=K8S_POD_NAME=p;"
                + "K8S_POD_NAMESPACE=n\n\n{\"a\":1}").getBytes());
        assertThat(r.command()).isEqualTo("ADD");
        assertThat(r.netns()).isEqualTo("/var/run/netns/a");
        assertThat(r.args()).containsEntry("K8S_POD_NAME", "p").containsEntry("K8S_POD_NAMESPACE", "n");
        assertThat(r.config()).isEqualTo("{\"a\":1}");
        assertThatThrownBy(() -> CniRequest.parse("CNI_COMMAND=ADD\n".getBytes())).hasMessageContaining("empty line");
        assertThatThrownBy(() -> CniRequest.parse("HOME=/root\n\n{}".getBytes())).hasMessageContaining("malformed");
    }

    @Test
    void ipAddrOutputMatching() {
        String out = """
                1: lo    inet 127.0.0.1/8 scope host lo\\       valid_lft forever preferred_lft forever
                2: eth0    inet 10.241.1.2/32 scope global eth0\\       valid_lft forever
                2: eth0    inet6 fd00:0:0:0::5/64 scope global
                """;
        assertThat(ProcNetnsLocator.hasAny(out, List.of(InetAddress.ofLiteral("10.241.1.2")))).isTrue();
        assertThat(ProcNetnsLocator.hasAny(out, List.of(InetAddress.ofLiteral("fd00::5")))).isTrue();
        assertThat(ProcNetnsLocator.hasAny(out, List.of(InetAddress.ofLiteral("10.241.1.20")))).isFalse();
    }
}
