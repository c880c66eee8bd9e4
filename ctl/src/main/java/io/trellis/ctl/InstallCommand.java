package io.trellis.ctl;

import io.trellis.install.kube.InstallOptions;
import io.trellis.install.kube.ManifestRenderer;
import io.trellis.install.kube.ResourceSettings;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code trellisctl install}: prints the Kubernetes manifests (pipe to {@code kubectl apply -f -}). */
@Command(name = "install", mixinStandardHelpOptions = true,
        description = "Print the Kubernetes manifests of a Trellis install (CRDs, controller, node-proxy, node agent).")
final class InstallCommand extends CtlCommand {

    private static final InstallOptions D = InstallOptions.defaults();

    @Option(names = "--namespace", defaultValue = "trellis-system", description = "Install namespace (default ${DEFAULT-VALUE}).")
    String namespace = D.namespace();
    @Option(names = "--image-repository", defaultValue = "trellis", description = "Image prefix (default ${DEFAULT-VALUE}).")
    String repository = D.imageRepository();
    @Option(names = "--tag", defaultValue = "0.1.0", description = "Image tag (default ${DEFAULT-VALUE}).")
    String tag = D.imageTag();
    @Option(names = "--trust-domain", defaultValue = "cluster.local", description = "SPIFFE trust domain (default ${DEFAULT-VALUE}).")
    String trustDomain = D.trustDomain();
    @Option(names = "--controller-replicas", defaultValue = "2", description = "Controller replicas (default ${DEFAULT-VALUE}).")
    int replicas = D.controllerReplicas();
    @Option(names = "--controller-memory", defaultValue = "1Gi", description = "Controller memory limit (default ${DEFAULT-VALUE}).")
    String controllerMemory = "1Gi";
    @Option(names = "--node-proxy-memory", defaultValue = "1Gi", description = "Node-proxy memory limit (default ${DEFAULT-VALUE}).")
    String nodeProxyMemory = "1Gi";
    @Option(names = "--cni-bin-dir", defaultValue = "/opt/cni/bin", description = "Node CNI binary dir (default ${DEFAULT-VALUE}).")
    String cniBinDir = D.cniBinDir();
    @Option(names = "--cni-conf-dir", defaultValue = "/etc/cni/net.d", description = "Node CNI config dir (default ${DEFAULT-VALUE}).")
    String cniConfDir = D.cniConfDir();
    @Option(names = "--log-level", defaultValue = "INFO", description = "TRACE, DEBUG, INFO, WARN or ERROR (default ${DEFAULT-VALUE}).")
    String logLevel = D.logLevel();
    @Option(names = {"-o", "--output"}, defaultValue = "yaml", description = "yaml (default) or json.")
    String format = "yaml";

    @Override
    int run() throws CtlException {
        InstallOptions options;
        try {
            options = new InstallOptions(namespace, repository, tag, trustDomain, replicas,
                    new ResourceSettings(D.controller().cpuRequest(), D.controller().memoryRequest(), controllerMemory),
                    new ResourceSettings(D.nodeProxy().cpuRequest(), D.nodeProxy().memoryRequest(), nodeProxyMemory),
                    D.nodeAgent(), cniBinDir, cniConfDir, logLevel);
        } catch (IllegalArgumentException e) {
            throw new CtlException(e.getMessage());
        }
        switch (format) {
            case "yaml" -> out().print(ManifestRenderer.renderYaml(options));
            case "json" -> out().println(io.fabric8.kubernetes.client.utils.Serialization.asJson(
                    new io.fabric8.kubernetes.api.model.KubernetesListBuilder()
                            .withItems(ManifestRenderer.render(options)).build()));
            default -> throw new CtlException("install prints yaml or json, not '" + format + "'");
        }
        out().flush();
        return 0;
    }
}
