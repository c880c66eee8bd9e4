package io.trellis.controller.model;

/**
 * Mesh-wide settings the model needs.
 *
 * @param trustDomain   SPIFFE trust domain of every workload identity
 * @param clusterDomain DNS suffix of service hostnames ({@code <name>.<ns>.svc.<clusterDomain>})
 * @param rootNamespace authorization policies without selector here apply to the whole mesh
 */
public record MeshSettings(String trustDomain, String clusterDomain, String rootNamespace) {

    public static MeshSettings defaults() {
        return new MeshSettings("cluster.local", "cluster.local", "trellis-system");
    }

    public String spiffeUri(String namespace, String serviceAccount) {
        return "spiffe://" + trustDomain + "/ns/" + namespace + "/sa/" + serviceAccount;
    }
}
