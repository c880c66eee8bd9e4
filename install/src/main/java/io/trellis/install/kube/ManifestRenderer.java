package io.trellis.install.kube;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.util.ArrayList;
import java.util.List;

/**
 * Renders the Kubernetes manifests of a Trellis install from {@link InstallOptions}: what
 * {@code trellisctl install} prints and the Helm chart under {@code install/kubernetes/helm/trellis} templates.
 * Objects come in apply order: namespace, CRDs, RBAC, workloads.
 */
public final class ManifestRenderer {

    private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

    private ManifestRenderer() {}

    public static List<HasMetadata> render(InstallOptions options) {
        List<HasMetadata> out = new ArrayList<>();
        out.add(new NamespaceBuilder().withNewMetadata().withName(options.namespace()).withLabels(Labels.common())
                // the mesh's own components are never captured
                .addToLabels("trellis.io/dataplane-mode", "none").endMetadata().build());
        out.addAll(TrellisCrds.all(Labels.common()));
        out.addAll(ControllerObjects.build(options));
        out.addAll(NodeObjects.nodeProxy(options));
        out.addAll(NodeObjects.nodeAgent(options));
        return List.copyOf(out);
    }

    /** The objects as one multi-document YAML stream. */
    public static String renderYaml(InstallOptions options) {
        StringBuilder sb = new StringBuilder();
        for (HasMetadata object : render(options)) {
            String doc = SERIALIZATION.asYaml(object);
            sb.append(doc.startsWith("---") ? doc : "---\n" + doc);
            if (!doc.endsWith("\n")) {
                sb.append('\n');
            }
        }
        return sb.toString();
    }
}
