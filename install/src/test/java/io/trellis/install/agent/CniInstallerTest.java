package io.trellis.install.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CniInstallerTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @Test
    void chainsOnceAtTheEndOfThePrimaryConflistAndInstallsTheBinary() throws Exception {
        Path conf = Files.createDirectories(dir.resolve("net.d"));
        Files.writeString(conf.resolve("10-calico.conflist"), """
                {"cniVersion": "1.0.0", "name": "k8s-pod-network",
                 "plugins": [{"type": "calico"}, {"type": "portmap", "capabilities": {"portMappings": true}}]}""");
        Files.writeString(conf.resolve("99-other.conflist"), "{\"plugins\": []}");
        Files.writeString(conf.resolve("05-notes.txt"), "not a conflist");

        Path chained = CniInstaller.chain(conf, Path.of("/var/run/trellis/cni.sock"), List.of("kube-system", "mesh"));
        CniInstaller.chain(conf, Path.of("/var/run/trellis/cni.sock"), List.of("kube-system", "mesh"));
        assertThat(chained.getFileName().toString()).isEqualTo("10-calico.conflist");
        JsonNode plugins = JSON.readTree(chained.toFile()).get("plugins");
        assertThat(plugins).hasSize(3);
        assertThat(plugins.get(0).get("type").asText()).isEqualTo("calico");
        assertThat(plugins.get(2).get("type").asText()).isEqualTo("trellis-cni");
        assertThat(plugins.get(2).get("excludeNamespaces").asText()).isEqualTo("kube-system,mesh");
        assertThat(plugins.get(2).get("agentSocket").asText()).isEqualTo("/var/run/trellis/cni.sock");
        assertThat(Files.readString(conf.resolve("99-other.conflist"))).isEqualTo("{\"plugins\": []}");

        Path bin = Files.createDirectories(dir.resolve("bin"));
        Path plugin = Files.writeString(dir.resolve("trellis-cni-build"), "#!/bin/sh\n");
        CniInstaller.installBinary(plugin, bin);
        assertThat(Files.isExecutable(bin.resolve("trellis-cni"))).isTrue();
    }

    @Test
    void noConflistYetIsARetryableError() throws Exception {
        Path conf = Files.createDirectories(dir.resolve("empty"));
        assertThatThrownBy(() -> CniInstaller.chain(conf, Path.of("/s"), List.of()))
                .hasMessageContaining("no *.conflist");
        Files.writeString(conf.resolve("10-x.conflist"), "{\"name\": \"x\"}");
        assertThatThrownBy(() -> CniInstaller.chain(conf, Path.of("/s"), List.of()))
                .hasMessageContaining("no \"plugins\" list");
    }
}
