package io.trellis.node;

import io.trellis.identity.IdentityException;
import io.trellis.identity.SpiffeId;
import io.trellis.node.authz.MtlsMode;
import io.trellis.node.inpod.EnrollmentServer;
import io.trellis.node.proxy.InboundLimits;
import io.trellis.node.proxy.ProxySettings;
import io.trellis.proxy.core.admin.AdminHttpServer;
import io.trellis.proxy.core.controller.ControllerChannels;
import io.trellis.proxy.core.hbone.HbonePoolConfig;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code trellis node-proxy}: the per-node L4 proxy. Runs until SIGTERM, then drains. */
@Command(name = "trellis node-proxy", mixinStandardHelpOptions = true,
        description = "Gives every enrolled pod on this node mTLS (HBONE), identity, L4 policy and telemetry.")
public final class NodeProxyMain implements Callable<Integer> {

    @Option(names = "--node-name", required = true, description = "This node's name, as the controller knows it.")
    String nodeName = "";

    @Option(names = "--controller", defaultValue = "127.0.0.1:15010",
            description = "Controller gRPC address host:port: workload xDS and CA (default ${DEFAULT-VALUE}).")
    String controller = "127.0.0.1:15010";

    @Option(names = "--controller-root-cert", paramLabel = "PEM",
            description = "The mesh root certificate(s): connect to the controller over TLS (its port 15012) and verify "
                    + "it by its SPIFFE id, not its host name. Without it the connection is plaintext (15010: the lab, "
                    + "local mode).")
    @Nullable Path controllerRootCert;

    @Option(names = "--controller-identity", paramLabel = "SPIFFE_ID",
            description = "The controller's SPIFFE id, checked with --controller-root-cert "
                    + "(default spiffe://<trust domain>/ns/trellis-system/sa/trellis-controller).")
    @Nullable String controllerIdentity;

    @Option(names = "--bootstrap-token-file", paramLabel = "FILE",
            description = "This node's CA bootstrap token (re-read on every certificate request).")
    @Nullable Path bootstrapTokenFile;

    @Option(names = "--enroll-socket", paramLabel = "PATH",
            description = "Unix socket the node agent enrolls pods through (default /var/run/trellis/enroll.sock).")
    Path enrollSocket = EnrollmentServer.DEFAULT_SOCKET_PATH;

    @Option(names = "--trust-domain", defaultValue = "cluster.local", description = "SPIFFE trust domain (default ${DEFAULT-VALUE}).")
    String trustDomain = "cluster.local";

    @Option(names = "--mtls-mode", defaultValue = "PERMISSIVE",
            description = "PERMISSIVE accepts authorized plaintext on 15006; STRICT refuses it (default ${DEFAULT-VALUE}).")
    MtlsMode mtlsMode = MtlsMode.PERMISSIVE;

    @Option(names = "--pod-bind-address", defaultValue = "0.0.0.0",
            description = "Address of the listeners inside each pod: 0.0.0.0, or :: for dual-stack (default ${DEFAULT-VALUE}).")
    String podBindAddress = "0.0.0.0";

    @Option(names = "--monitoring-address", defaultValue = "0.0.0.0",
            description = "Address of the metrics and readiness servers; admin is loopback only (default ${DEFAULT-VALUE}).")
    String monitoringAddress = "0.0.0.0";

    @Option(names = "--admin-port", defaultValue = "15000", description = "Admin port, loopback (default ${DEFAULT-VALUE}).")
    int adminPort = AdminHttpServer.ADMIN_PORT;

    @Option(names = "--metrics-port", defaultValue = "15020", description = "Prometheus port (default ${DEFAULT-VALUE}).")
    int metricsPort = AdminHttpServer.METRICS_PORT;

    @Option(names = "--readiness-port", defaultValue = "15021", description = "Readiness port (default ${DEFAULT-VALUE}).")
    int readinessPort = AdminHttpServer.READINESS_PORT;

    @Option(names = "--socks5-identity", paramLabel = "SPIFFE_ID",
            description = "Enables the SOCKS5 entry; its connections are made as this identity (a service account with a pod on this node).")
    @Nullable String socks5Identity;

    @Option(names = "--socks5-port", defaultValue = "15080", description = "SOCKS5 port on 127.0.0.1 (default ${DEFAULT-VALUE}).")
    int socks5Port = 15080;

    @Option(names = "--socks5-address", defaultValue = "127.0.0.1",
            description = "Loopback address of the node-wide SOCKS5 entry (default ${DEFAULT-VALUE}).")
    String socks5Address = "127.0.0.1";

    @Option(names = "--mode", defaultValue = "inpod",
            description = "inpod: pods are enrolled by the node agent and served inside their network namespaces. "
                    + "loopback: no root, no namespaces; the controller's workloads on this node with a 127.x pod IP "
                    + "are served on that address (HBONE on 15008, a SOCKS5 entry on --workload-socks5-port) "
                    + "(default ${DEFAULT-VALUE}).")
    NodeMode mode = NodeMode.INPOD;

    @Option(names = "--workload-socks5-port", defaultValue = "15080",
            description = "Loopback mode: each workload's SOCKS5 entry port on its own address (default ${DEFAULT-VALUE}).")
    int workloadSocks5Port = 15080;

    @Option(names = "--certificate-ttl", defaultValue = "PT24H", description = "Certificate lifetime asked of the CA (default ${DEFAULT-VALUE}).")
    Duration certificateTtl = Duration.ofHours(24);

    @Option(names = "--drain-timeout", defaultValue = "PT5S",
            description = "On SIGTERM, how long open connections may finish after the listeners close (default ${DEFAULT-VALUE}).")
    Duration drainTimeout = Duration.ofSeconds(5);

    @Option(names = "--same-node-fast-path", defaultValue = "true", arity = "1",
            description = "Connect pods on this node to each other directly (still authorized and counted) instead of "
                    + "through HBONE (default ${DEFAULT-VALUE}).")
    boolean sameNodeFastPath = true;

    @Option(names = "--preserve-source-ip", defaultValue = "true", arity = "1",
            description = "Inbound connections reach the app from the client's IP (IP_TRANSPARENT; needs "
                    + "CAP_NET_ADMIN and the capture rules' return route) (default ${DEFAULT-VALUE}).")
    boolean preserveSourceIp = true;

    @Option(names = "--max-inbound-plaintext-per-pod", defaultValue = "4096",
            description = "Concurrent connections on one pod's 15006; more are reset (default ${DEFAULT-VALUE}).")
    int maxInboundPlaintext = 4096;

    @Option(names = "--max-inbound-hbone-per-pod", defaultValue = "1024",
            description = "Concurrent connections on one pod's 15008; more are reset (default ${DEFAULT-VALUE}).")
    int maxInboundHbone = 1024;

    @Option(names = "--hbone-connect-deadline", defaultValue = "PT10S",
            description = "An inbound HBONE connection without a CONNECT by then (TLS included) is closed (default ${DEFAULT-VALUE}).")
    Duration hboneConnectDeadline = Duration.ofSeconds(10);

    @Option(names = "--plaintext-idle-deadline", defaultValue = "PT30S",
            description = "A 15006 connection on which nothing was sent by then is closed (default ${DEFAULT-VALUE}).")
    Duration plaintextIdleDeadline = Duration.ofSeconds(30);

    @Option(names = "--io-threads", defaultValue = "0", description = "Data-plane event loops; 0 = one per core.")
    int ioThreads;

    NodeProxySettings settings() throws Exception {
        if (bootstrapTokenFile != null && !Files.isReadable(bootstrapTokenFile)) {
            throw new IllegalArgumentException("--bootstrap-token-file " + bootstrapTokenFile + " is not readable");
        }
        SpiffeId socksId = socks5Identity == null ? null : SpiffeId.parse(socks5Identity);
        if (socksId != null && !socksId.trustDomain().equals(trustDomain)) {
            throw new IllegalArgumentException("--socks5-identity " + socksId + " is not in trust domain " + trustDomain);
        }
        ProxySettings proxy = new ProxySettings(trustDomain, mtlsMode, Duration.ofSeconds(10), HbonePoolConfig.defaults(),
                sameNodeFastPath, preserveSourceIp, new InboundLimits(maxInboundPlaintext, maxInboundHbone,
                        hboneConnectDeadline, plaintextIdleDeadline));
        int threads = ioThreads > 0 ? ioThreads : Runtime.getRuntime().availableProcessors();
        InetAddress monitoring = InetAddress.getByName(literal(monitoringAddress, "--monitoring-address"));
        if (mode == NodeMode.LOOPBACK) {
            if (monitoring.isAnyLocalAddress()) {
                monitoring = InetAddress.getLoopbackAddress();
            } else if (!monitoring.isLoopbackAddress()) {
                throw new IllegalArgumentException("--mode loopback serves on loopback only: --monitoring-address must "
                        + "be this node's 127.x address, got " + monitoringAddress);
            }
            if (workloadSocks5Port < 1 || workloadSocks5Port > 65535) {
                throw new IllegalArgumentException("--workload-socks5-port must be 1..65535, got " + workloadSocks5Port);
            }
        }
        SpiffeId controllerId = ControllerChannels.identity(controllerIdentity, trustDomain);
        if (controllerRootCert != null) {
            ControllerChannels.roots(controllerRootCert); // a wrong file fails here, not at the first connection
        }
        InetAddress socksAddress = InetAddress.getByName(literal(socks5Address, "--socks5-address"));
        if (!socksAddress.isLoopbackAddress()) {
            throw new IllegalArgumentException("--socks5-address must be a loopback address (the entry has no "
                    + "authentication), got " + socks5Address);
        }
        return new NodeProxySettings(nodeName, controller, bootstrapTokenFile, enrollSocket, proxy,
                InetAddress.getByName(literal(podBindAddress, "--pod-bind-address")), monitoring,
                new int[] {adminPort, metricsPort, readinessPort},
                socksId == null ? null : new InetSocketAddress(socksAddress, socks5Port), socksId,
                certificateTtl, drainTimeout, threads, mode, workloadSocks5Port, controllerRootCert, controllerId);
    }

    private static String literal(String address, String option) {
        if (!address.matches("[0-9a-fA-F.:]+")) {
            throw new IllegalArgumentException(option + " must be an IP address, got '" + address + "'");
        }
        return address;
    }

    @Override
    public Integer call() throws Exception {
        NodeProxySettings settings;
        try {
            settings = settings();
        } catch (IllegalArgumentException | IdentityException e) {
            System.err.println("trellis node-proxy: " + e.getMessage());
            return 2;
        }
        NodeProxy proxy;
        try {
            proxy = NodeProxy.start(settings);
        } catch (Exception e) {
            System.err.println("trellis node-proxy: cannot start: " + e.getMessage());
            return 1;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().name("trellis-drain").unstarted(() -> {
            proxy.close();
            stopped.countDown();
        }));
        stopped.await();
        return 0;
    }

    public static void main(String[] args) {
        BufferPoolDefaults.applyToSystem(); // before any Netty class picks its allocator
        CommandLine cli = new CommandLine(new NodeProxyMain());
        cli.registerConverter(Duration.class, Duration::parse);
        cli.setCaseInsensitiveEnumValuesAllowed(true);
        System.exit(cli.execute(args));
    }
}
