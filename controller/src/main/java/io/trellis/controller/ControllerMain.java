package io.trellis.controller;

import io.trellis.controller.ca.CaException;
import io.trellis.controller.model.MeshSettings;
import io.trellis.controller.source.SourceException;
import io.trellis.identity.IdentityException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import io.trellis.controller.waypoint.WaypointSettings;
import org.jspecify.annotations.Nullable;

/** {@code trellis controller}: runs the control plane on a directory of Kubernetes-style YAML. */
@Command(name = "trellis controller", mixinStandardHelpOptions = true,
        description = "Serves workload xDS and the CA to node-proxies, from a watched directory of YAML.")
public final class ControllerMain implements Callable<Integer> {

    @Option(names = "--config-dir", paramLabel = "DIR",
            description = "Local mode: directory of Kubernetes-style YAML (*.yaml, *.yml, recursively); watched.")
    @Nullable Path configDir;

    @Option(names = "--kubernetes",
            description = "Kubernetes mode: watch the API server of the current kubeconfig (or in-cluster config).")
    boolean kubernetes;

    @Option(names = "--listen-address", defaultValue = "0.0.0.0", description = "Address to bind (default ${DEFAULT-VALUE}).")
    String listenAddress = "0.0.0.0";

    @Option(names = "--xds-port", defaultValue = "15010", description = "Plaintext gRPC: workload xDS, CA, proxy status (default ${DEFAULT-VALUE}).")
    int xdsPort;

    @Option(names = "--xds-tls-port", defaultValue = "15012", description = "The same services over TLS (default ${DEFAULT-VALUE}).")
    int xdsTlsPort;

    @Option(names = "--monitoring-port", defaultValue = "15014", description = "HTTP /metrics, /healthz/live, /healthz/ready, /debug/proxy-status (default ${DEFAULT-VALUE}).")
    int monitoringPort;

    @Option(names = "--trust-domain", defaultValue = "cluster.local", description = "SPIFFE trust domain (default ${DEFAULT-VALUE}).")
    String trustDomain = "cluster.local";

    @Option(names = "--cluster-domain", defaultValue = "cluster.local", description = "Service hostname suffix (default ${DEFAULT-VALUE}).")
    String clusterDomain = "cluster.local";

    @Option(names = "--root-namespace", defaultValue = "trellis-system", description = "Namespace of mesh-wide policies and of the controller (default ${DEFAULT-VALUE}).")
    String rootNamespace = "trellis-system";

    @Option(names = "--ca-dir", paramLabel = "DIR", description = "CA directory from 'trellis ca init'; without it an in-memory CA is used.")
    @Nullable Path caDir;

    @Option(names = "--bootstrap-tokens", paramLabel = "FILE", description = "Node credentials: lines '<node|waypoint> <name> <token>'.")
    @Nullable Path tokensFile;

    @Option(names = "--debounce-quiet", defaultValue = "PT0.1S", description = "Push after this long without changes (ISO-8601, default ${DEFAULT-VALUE}).")
    Duration debounceQuiet = Duration.ofMillis(100);

    @Option(names = "--debounce-max", defaultValue = "PT1S", description = "Push at the latest this long after a change (default ${DEFAULT-VALUE}).")
    Duration debounceMax = Duration.ofSeconds(1);

    @Option(names = "--max-cert-ttl", defaultValue = "PT24H", description = "Longest certificate lifetime handed out (default ${DEFAULT-VALUE}).")
    Duration maxCertTtl = Duration.ofHours(24);

    @Option(names = "--rescan-interval", defaultValue = "PT5S", description = "Fallback rescan of the config directory (default ${DEFAULT-VALUE}).")
    Duration rescanInterval = Duration.ofSeconds(5);

    @Option(names = "--waypoint-image", defaultValue = WaypointSettings.DEFAULT_IMAGE,
            description = "Kubernetes mode: image of the waypoint Deployments made from Gateways (default ${DEFAULT-VALUE}).")
    String waypointImage = WaypointSettings.DEFAULT_IMAGE;

    @Option(names = "--waypoint-controller-address", paramLabel = "HOST:PORT",
            description = "Kubernetes mode: where waypoints reach this controller's TLS port "
                    + "(default trellis-controller.<root namespace>.svc:<xds TLS port>).")
    @Nullable String waypointControllerAddress;

    @Option(names = "--manage-waypoints", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Kubernetes mode: create waypoint Deployments and Services from Gateways of class "
                    + "trellis-waypoint, as the holder of the Lease <root namespace>/trellis-waypoints (default ${DEFAULT-VALUE}).")
    boolean manageWaypoints = true;

    @Option(names = "--lease-duration", defaultValue = "PT15S",
            description = "Kubernetes mode: leader-election lease for waypoint management (default ${DEFAULT-VALUE}).")
    Duration leaseDuration = Duration.ofSeconds(15);

    /** Waypoint management settings, or null when off (local mode, or --no-manage-waypoints). */
    @Nullable WaypointSettings waypointSettings() {
        if (!kubernetes || !manageWaypoints) {
            return null;
        }
        String holder = System.getenv().getOrDefault("POD_NAME", System.getenv().getOrDefault("HOSTNAME", ""));
        if (holder.isBlank()) {
            holder = "trellis-controller-" + ProcessHandle.current().pid();
        }
        String address = waypointControllerAddress != null ? waypointControllerAddress
                : "trellis-controller." + rootNamespace + ".svc:" + xdsTlsPort;
        return new WaypointSettings(waypointImage, address, rootNamespace, "trellis-waypoints", holder,
                leaseDuration);
    }

    ControllerSettings settings() {
        return new ControllerSettings(configDir, kubernetes, new MeshSettings(trustDomain, clusterDomain, rootNamespace),
                listenAddress, xdsPort, xdsTlsPort, monitoringPort, caDir, tokensFile, debounceQuiet, debounceMax,
                maxCertTtl, rescanInterval);
    }

    @Override
    public Integer call() throws Exception {
        if ((configDir == null) == !kubernetes) {
            System.err.println("trellis controller: pass exactly one of --config-dir DIR (local mode) or --kubernetes");
            return 2;
        }
        Controller controller;
        try {
            controller = new Controller(settings(), waypointSettings());
        } catch (IllegalArgumentException e) {
            System.err.println("trellis controller: " + e.getMessage());
            return 2;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        try {
            controller.start();
        } catch (SourceException | CaException | IdentityException | java.io.IOException
                 | io.fabric8.kubernetes.client.KubernetesClientException e) {
            System.err.println("trellis controller: " + e.getMessage());
            controller.close();
            return 2;
        }
        Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().unstarted(() -> {
            controller.close();
            stopped.countDown();
        }));
        stopped.await();
        return 0;
    }

    public static void main(String[] args) {
        CommandLine cli = new CommandLine(new ControllerMain());
        cli.registerConverter(Duration.class, Duration::parse);
        System.exit(cli.execute(args));
    }
}
