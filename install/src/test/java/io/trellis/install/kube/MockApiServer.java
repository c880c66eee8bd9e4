package io.trellis.install.kube;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.dsl.base.CustomResourceDefinitionContext;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import java.util.HashMap;
import java.util.List;

/**
 * fabric8's Kubernetes mock API server in CRUD mode, serving {@code kinds} as if their CRDs were installed, and the
 * system properties that point a controller started in the same JVM (which builds its own client) at it.
 */
final class MockApiServer implements AutoCloseable {

    private static final List<String> PROPERTIES = List.of(Config.KUBERNETES_MASTER_SYSTEM_PROPERTY,
            Config.KUBERNETES_AUTH_TRYKUBECONFIG_SYSTEM_PROPERTY, Config.KUBERNETES_AUTH_TRYSERVICEACCOUNT_SYSTEM_PROPERTY,
            Config.KUBERNETES_NAMESPACE_SYSTEM_PROPERTY);

    private final KubernetesMockServer server;
    private final Config config;

    MockApiServer(List<CustomResourceDefinitionContext> kinds) {
        server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(),
                new KubernetesCrudDispatcher(kinds), false);
        server.init();
        try (KubernetesClient plain = server.createClient()) {
            config = plain.getConfiguration();
        }
    }

    /** A client of this server sending {@code userAgent}, so that its requests can be told from the controller's. */
    KubernetesClient client(String userAgent) {
        return new KubernetesClientBuilder().withConfig(new ConfigBuilder(config).withUserAgent(userAgent).build())
                .build();
    }

    /** Makes clients built from the default configuration in this JVM talk to this server, in {@code namespace}. */
    void becomeDefaultFor(String namespace) {
        System.setProperty(Config.KUBERNETES_MASTER_SYSTEM_PROPERTY, config.getMasterUrl());
        System.setProperty(Config.KUBERNETES_AUTH_TRYKUBECONFIG_SYSTEM_PROPERTY, "false");
        System.setProperty(Config.KUBERNETES_AUTH_TRYSERVICEACCOUNT_SYSTEM_PROPERTY, "false");
        System.setProperty(Config.KUBERNETES_NAMESPACE_SYSTEM_PROPERTY, namespace);
    }

    /** The requests the server received, oldest first (fabric8's recorded request log). */
    KubernetesMockServer server() {
        return server;
    }

    @Override
    public void close() {
        PROPERTIES.forEach(System::clearProperty);
        server.destroy();
    }
}
