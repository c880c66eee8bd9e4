package io.trellis.controller.envoy;

import com.google.protobuf.UInt32Value;
import io.envoyproxy.envoy.config.cluster.v3.CircuitBreakers;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.cluster.v3.OutlierDetection;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.AggregatedConfigSource;
import io.envoyproxy.envoy.config.core.v3.ApiVersion;
import io.envoyproxy.envoy.config.core.v3.ConfigSource;
import io.envoyproxy.envoy.config.core.v3.HealthStatus;
import io.envoyproxy.envoy.config.core.v3.Locality;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.Endpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.envoyproxy.envoy.type.v3.Percent;
import io.trellis.controller.model.ServiceModel;
import io.trellis.controller.model.WorkloadModel;
import io.trellis.controller.source.ResiliencePolicyConfig;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/** A service port as an Envoy Cluster (EDS over ADS) and its ClusterLoadAssignment. Pure functions. */
public final class ClusterTranslator {

    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);

    private ClusterTranslator() {}

    static ConfigSource ads() {
        return ConfigSource.newBuilder().setAds(AggregatedConfigSource.getDefaultInstance())
                .setResourceApiVersion(ApiVersion.V3).build();
    }

    /**
     * @param policy the ResiliencePolicy targeting this service, or null
     */
    public static Cluster cluster(ServiceModel service, int port, @Nullable ResiliencePolicyConfig policy) {
        String name = EnvoyNames.cluster(service.hostname(), port);
        Cluster.Builder c = Cluster.newBuilder()
                .setName(name)
                .setType(Cluster.DiscoveryType.EDS)
                .setEdsClusterConfig(Cluster.EdsClusterConfig.newBuilder().setEdsConfig(ads()).setServiceName(name))
                .setLbPolicy(Cluster.LbPolicy.ROUND_ROBIN)
                .setConnectTimeout(Protos.duration(CONNECT_TIMEOUT));
        if (policy != null) {
            CircuitBreakers.Thresholds.Builder t = CircuitBreakers.Thresholds.newBuilder();
            boolean any = false;
            if (policy.circuitBreaker() != null) {
                ResiliencePolicyConfig.CircuitBreaker cb = policy.circuitBreaker();
                t.setMaxConnections(UInt32Value.of(cb.maxConnections()))
                        .setMaxPendingRequests(UInt32Value.of(cb.maxPendingRequests()))
                        .setMaxRequests(UInt32Value.of(cb.maxRequests()))
                        .setMaxRetries(UInt32Value.of(cb.maxRetries()));
                any = true;
            }
            if (policy.retryBudget() != null) {
                t.setRetryBudget(CircuitBreakers.Thresholds.RetryBudget.newBuilder()
                        .setBudgetPercent(Percent.newBuilder().setValue(policy.retryBudget().percent()))
                        .setMinRetryConcurrency(UInt32Value.of(policy.retryBudget().minRetryConcurrency())));
                any = true;
            }
            if (any) {
                c.setCircuitBreakers(CircuitBreakers.newBuilder().addThresholds(t));
            }
            if (policy.outlierDetection() != null) {
                ResiliencePolicyConfig.OutlierDetection od = policy.outlierDetection();
                c.setOutlierDetection(OutlierDetection.newBuilder()
                        .setConsecutive5Xx(UInt32Value.of(od.consecutive5xx()))
                        .setInterval(Protos.duration(od.interval()))
                        .setBaseEjectionTime(Protos.duration(od.baseEjectionTime()))
                        .setMaxEjectionPercent(UInt32Value.of(od.maxEjectionPercent())));
            }
        }
        return c.build();
    }

    /**
     * The endpoints of a service port: each selected workload's first address and the target port of its
     * mapping for this service port. One locality, so that load is spread by endpoint, not by node.
     */
    public static ClusterLoadAssignment endpoints(ServiceModel service, int port,
                                                  Map<String, WorkloadModel> workloads) {
        LocalityLbEndpoints.Builder locality = LocalityLbEndpoints.newBuilder()
                .setLocality(Locality.getDefaultInstance())
                .setLoadBalancingWeight(UInt32Value.of(1));
        for (String uid : service.endpoints()) {
            WorkloadModel w = workloads.get(uid);
            if (w == null || w.addresses().isEmpty()) {
                continue;
            }
            List<WorkloadModel.PortMapping> ports = w.services().getOrDefault(service.key(), List.of());
            int target = ports.stream().filter(p -> p.servicePort() == port)
                    .mapToInt(WorkloadModel.PortMapping::targetPort).findFirst().orElse(0);
            if (target == 0) {
                continue;
            }
            locality.addLbEndpoints(LbEndpoint.newBuilder()
                    .setHealthStatus(w.healthy() ? HealthStatus.HEALTHY : HealthStatus.UNHEALTHY)
                    .setEndpoint(Endpoint.newBuilder().setAddress(Address.newBuilder().setSocketAddress(
                            SocketAddress.newBuilder().setAddress(w.addresses().getFirst().getHostAddress())
                                    .setPortValue(target)))));
        }
        return ClusterLoadAssignment.newBuilder().setClusterName(EnvoyNames.cluster(service.hostname(), port))
                .addEndpoints(locality).build();
    }
}
