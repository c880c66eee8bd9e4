package io.trellis.node;

import io.trellis.identity.SpiffeId;
import io.trellis.node.proxy.ProxySettings;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * Everything a node-proxy process is started with (validated by {@link NodeProxyMain}).
 *
 * @param nodeName this node's name, as the controller knows it (node authorization)
 * @param controller the controller's plaintext gRPC address (workload xDS and CA), {@code host:port}
 * @param bootstrapTokenFile file holding this node's bootstrap token for the CA, re-read per request
 * @param enrollSocket the node agent's enrollment socket
 * @param podBindAddress what the pod listeners bind inside each pod ({@code 0.0.0.0} or {@code ::})
 * @param monitoringAddress where metrics (15020) and readiness (15021) listen; admin (15000) is loopback only
 * @param ports admin, metrics, readiness ports
 * @param socks5 SOCKS5 entry address (loopback), or null for none
 * @param socks5Identity the identity SOCKS5 connections are made as
 * @param certificateTtl lifetime asked of the CA
 * @param drainTimeout how long SIGTERM waits for open connections after the listeners are closed
 * @param ioThreads data-plane event loops
 * @param mode where workloads come from: enrollment into pod namespaces, or the controller's loopback workloads
 * @param workloadSocks5Port loopback mode: the port of each workload's SOCKS5 entry on its own address
 * @param controllerRootCert the mesh root certificate(s): the controller is reached over TLS and verified by its
 *        SPIFFE id; null for plaintext (the lab, local mode)
 * @param controllerIdentity the controller's SPIFFE id (used with {@code controllerRootCert})
 */
public record NodeProxySettings(String nodeName, String controller, @Nullable Path bootstrapTokenFile,
        Path enrollSocket, ProxySettings proxy, InetAddress podBindAddress, InetAddress monitoringAddress, int[] ports,
        @Nullable InetSocketAddress socks5, @Nullable SpiffeId socks5Identity, Duration certificateTtl,
        Duration drainTimeout, int ioThreads, NodeMode mode, int workloadSocks5Port, @Nullable Path controllerRootCert,
        SpiffeId controllerIdentity) {}
