package io.trellis.node.inpod;

/**
 * What the node agent tells us about an enrolled pod.
 *
 * @param uid Kubernetes pod uid, the registry key
 * @param name pod name (informational)
 * @param namespace Kubernetes namespace
 * @param serviceAccount service account, i.e. the pod's SPIFFE identity
 */
public record PodInfo(String uid, String name, String namespace, String serviceAccount) {

    @Override
    public String toString() {
        return namespace + "/" + name + " (uid " + uid + ", sa " + serviceAccount + ")";
    }
}
