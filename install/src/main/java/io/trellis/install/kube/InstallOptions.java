package io.trellis.install.kube;

import java.util.regex.Pattern;

/**
 * What {@code trellisctl install} and the Helm chart let a user choose. Every field has a default in
 * {@link #defaults()}; the Helm chart's {@code values.yaml} holds the same defaults.
 *
 * @param namespace          where the controller, node-proxies and node agents run (also the mesh's root namespace)
 * @param imageRepository    prefix of the images: {@code <repo>/controller}, {@code <repo>/node-proxy}, {@code <repo>/node-agent}
 * @param imageTag           tag of all three images
 * @param trustDomain        SPIFFE trust domain of the mesh
 * @param controllerReplicas controller Deployment replicas (stateless: any number works)
 * @param controller         controller container resources
 * @param nodeProxy          node-proxy container resources
 * @param nodeAgent          node agent container resources
 * @param cniBinDir          the node's CNI binary directory (where the plugin is installed)
 * @param cniConfDir         the node's CNI config directory (whose first conflist gets the plugin chained)
 * @param logLevel           log level of all components (TRACE..ERROR)
 */
public record InstallOptions(String namespace, String imageRepository, String imageTag, String trustDomain,
                             int controllerReplicas, ResourceSettings controller, ResourceSettings nodeProxy,
                             ResourceSettings nodeAgent, String cniBinDir, String cniConfDir, String logLevel) {

    private static final Pattern DNS1123_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");
    private static final Pattern TAG = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}");
    private static final Pattern TRUST_DOMAIN = Pattern.compile("[a-z0-9._-]{1,255}");

    public InstallOptions {
        if (!DNS1123_LABEL.matcher(namespace).matches()) {
            throw new IllegalArgumentException("namespace '" + namespace
                    + "' is not a DNS-1123 label (lower case letters, digits, '-', at most 63)");
        }
        if (imageRepository.isBlank() || imageRepository.chars().anyMatch(Character::isWhitespace)) {
            throw new IllegalArgumentException("image repository '" + imageRepository + "' is empty or has spaces");
        }
        if (!TAG.matcher(imageTag).matches()) {
            throw new IllegalArgumentException("image tag '" + imageTag + "' is not a valid tag");
        }
        if (!TRUST_DOMAIN.matcher(trustDomain).matches()) {
            throw new IllegalArgumentException("trust domain '" + trustDomain
                    + "' must be lower case letters, digits, '.', '_' or '-'");
        }
        if (controllerReplicas < 1) {
            throw new IllegalArgumentException("controller replicas must be at least 1, got " + controllerReplicas);
        }
        if (!cniBinDir.startsWith("/") || !cniConfDir.startsWith("/")) {
            throw new IllegalArgumentException("CNI directories must be absolute paths");
        }
        if (!logLevel.matches("TRACE|DEBUG|INFO|WARN|ERROR")) {
            throw new IllegalArgumentException("log level must be one of TRACE, DEBUG, INFO, WARN, ERROR");
        }
    }

    public static InstallOptions defaults() {
        return new InstallOptions("trellis-system", "trellis", "0.1.0", "cluster.local", 2,
                new ResourceSettings("100m", "256Mi", "1Gi"),
                new ResourceSettings("200m", "256Mi", "1Gi"),
                new ResourceSettings("20m", "128Mi", "256Mi"),
                "/opt/cni/bin", "/etc/cni/net.d", "INFO");
    }

    String image(String component) {
        return imageRepository + "/" + component + ":" + imageTag;
    }
}
