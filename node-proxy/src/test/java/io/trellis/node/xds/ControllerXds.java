package io.trellis.node.xds;

import com.google.protobuf.ByteString;
import com.google.protobuf.Message;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.grpc.ForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.netty.NettyServerBuilder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.trellis.api.workload.v1.Authorization;
import io.trellis.api.workload.v1.From;
import io.trellis.api.workload.v1.GatewayAddress;
import io.trellis.api.workload.v1.PortList;
import io.trellis.api.workload.v1.PortMapping;
import io.trellis.api.workload.v1.Rule;
import io.trellis.api.workload.v1.Service;
import io.trellis.api.workload.v1.ServicePort;
import io.trellis.api.workload.v1.TunnelProtocol;
import io.trellis.api.workload.v1.Workload;
import io.trellis.controller.xds.PeerAddress;
import io.trellis.controller.xds.TypeUrls;
import io.trellis.controller.xds.WorkloadXdsServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * The controller's real workload xDS server on a loopback port, restartable on the same port, recording every
 * response it sends so tests can see exactly what went over the wire.
 */
final class ControllerXds implements AutoCloseable {

    final List<DeltaDiscoveryResponse> sent = new CopyOnWriteArrayList<>();
    final int port;
    private final Map<String, Map<String, Message>> resources = new HashMap<>();
    private WorkloadXdsServer xds;
    private Server server;

    ControllerXds() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        TypeUrls.ALL.forEach(t -> resources.put(t, new TreeMap<>()));
        start();
    }

    void start() throws IOException {
        xds = new WorkloadXdsServer(new SimpleMeterRegistry(), Clock.systemUTC(), System::nanoTime);
        publish();
        server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", port))
                .addService(ServerInterceptors.intercept(xds, new PeerAddress(), new Recorder()))
                .build().start();
    }

    void stop() throws InterruptedException {
        server.shutdownNow();
        server.awaitTermination(10, TimeUnit.SECONDS);
    }

    WorkloadXdsServer server() {
        return xds;
    }

    void put(String typeUrl, String name, Message m) {
        resources.get(typeUrl).put(name, m);
    }

    void remove(String typeUrl, String name) {
        resources.get(typeUrl).remove(name);
    }

    /** Publishes the current resource set as the server's next snapshot. */
    void publish() {
        Map<String, Map<String, Message>> copy = new HashMap<>();
        resources.forEach((t, m) -> copy.put(t, Map.copyOf(m)));
        xds.publish(xds.current().next(copy, System.nanoTime()));
    }

    @Override
    public void close() throws InterruptedException {
        stop();
    }

    private final class Recorder implements ServerInterceptor {
        @Override
        public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                                                           ServerCallHandler<Q, R> next) {
            return next.startCall(new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
                @Override
                public void sendMessage(R message) {
                    if (message instanceof DeltaDiscoveryResponse r) {
                        sent.add(r);
                    }
                    super.sendMessage(message);
                }
            }, headers);
        }
    }

    // ---- resources as the controller's translator would produce them ----

    static ByteString ip(String literal) {
        try {
            return ByteString.copyFrom(InetAddress.getByName(literal).getAddress());
        } catch (IOException e) {
            throw new IllegalArgumentException(literal, e);
        }
    }

    static Workload workload(String ns, String name, String sa, String ip, String... services) {
        Workload.Builder b = Workload.newBuilder().setUid(ns + "/" + name).setName(name).setNamespace(ns)
                .setServiceAccount(sa).setNode("node-a").addAddresses(ip(ip)).setTrustDomain("cluster.local")
                .setProtocol(TunnelProtocol.HBONE).setCanonicalName(name).setCanonicalRevision("v1");
        for (String s : services) {
            b.putServices(s, PortList.newBuilder().addPorts(PortMapping.newBuilder().setServicePort(80)
                    .setTargetPort(8080)).build());
        }
        return b.build();
    }

    static Service service(String ns, String name, String vip) {
        return Service.newBuilder().setName(name).setNamespace(ns).setHostname(name + "." + ns + ".svc.cluster.local")
                .addVips(ip(vip)).addPorts(ServicePort.newBuilder().setPort(80).setTargetPort(8080)).build();
    }

    static Service serviceWithWaypoint(String ns, String name, String vip, String waypointIp) {
        return service(ns, name, vip).toBuilder().setWaypoint(GatewayAddress.newBuilder().setAddress(ip(waypointIp))
                .setHbonePort(15008).setIdentity("spiffe://cluster.local/ns/" + ns + "/sa/waypoint")).build();
    }

    static Authorization denyNamespace(String ns, String name, String fromNamespace) {
        return Authorization.newBuilder().setName(name).setNamespace(ns).setScope(Authorization.Scope.NAMESPACE)
                .setAction(Authorization.Action.DENY).addRules(Rule.newBuilder().addFrom(From.newBuilder()
                        .addNamespaces(fromNamespace))).build();
    }
}
