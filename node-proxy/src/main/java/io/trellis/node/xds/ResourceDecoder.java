package io.trellis.node.xds;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import io.trellis.api.workload.v1.Authorization;
import io.trellis.api.workload.v1.From;
import io.trellis.api.workload.v1.GatewayAddress;
import io.trellis.api.workload.v1.IpBlock;
import io.trellis.api.workload.v1.PortList;
import io.trellis.api.workload.v1.Rule;
import io.trellis.api.workload.v1.Service;
import io.trellis.api.workload.v1.To;
import io.trellis.api.workload.v1.Workload;
import io.trellis.identity.MalformedSpiffeIdException;
import io.trellis.identity.SpiffeId;
import io.trellis.node.state.AuthorizationPolicy;
import io.trellis.node.state.Cidr;
import io.trellis.node.state.PortMapping;
import io.trellis.node.state.ServiceInfo;
import io.trellis.node.state.ServicePort;
import io.trellis.node.state.WaypointAddress;
import io.trellis.node.state.WorkloadInfo;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Validates workload xDS resources into immutable {@link io.trellis.node.state} records: the edge where
 * untrusted bytes become the model. Every problem names the resource and the field. Stateless.
 */
final class ResourceDecoder {

    private ResourceDecoder() {}

    /** Decodes one resource of {@code type}; the record type follows the xDS type. */
    static Object decode(XdsType type, String name, Any any) {
        if (!any.getTypeUrl().equals(type.typeUrl())) {
            throw new InvalidResourceException(type.shortName(), name, "resource.type_url",
                    "is " + any.getTypeUrl() + ", expected " + type.typeUrl());
        }
        return switch (type) {
            case WORKLOAD -> workload(name, unpack(type, name, any, Workload.class));
            case SERVICE -> service(name, unpack(type, name, any, Service.class));
            case AUTHORIZATION -> authorization(name, unpack(type, name, any, Authorization.class));
        };
    }

    private static <T extends Message> T unpack(XdsType type, String name, Any any, Class<T> clazz) {
        try {
            return any.unpack(clazz);
        } catch (InvalidProtocolBufferException e) {
            throw new InvalidResourceException(type.shortName(), name, "resource", "not a valid "
                    + type.shortName() + " message: " + e.getMessage());
        }
    }

    static WorkloadInfo workload(String name, Workload w) {
        Problems p = new Problems("Workload", name);
        p.require(w.getUid().equals(name), "uid", "is '" + w.getUid() + "' but the resource is named '" + name + "'");
        p.require(!w.getNamespace().isEmpty(), "namespace", "must not be empty");
        p.require(!w.getServiceAccount().isEmpty(), "service_account", "must not be empty");
        p.require(!w.getTrustDomain().isEmpty(), "trust_domain", "must not be empty");
        p.require(w.getProtocolValue() == 0 || w.getProtocolValue() == 1, "protocol",
                "unknown value " + w.getProtocolValue());
        p.require(w.getStatusValue() == 0 || w.getStatusValue() == 1, "status", "unknown value " + w.getStatusValue());
        SpiffeId identity;
        try {
            identity = SpiffeId.of(w.getTrustDomain(), w.getNamespace(), w.getServiceAccount());
        } catch (MalformedSpiffeIdException e) {
            throw p.fail("service_account", "no valid SPIFFE id: " + e.getMessage());
        }
        List<InetAddress> addresses = new ArrayList<>();
        for (int i = 0; i < w.getAddressesCount(); i++) {
            addresses.add(p.address("addresses[" + i + "]", w.getAddresses(i)));
        }
        Map<String, List<PortMapping>> services = new TreeMap<>();
        for (Map.Entry<String, PortList> e : w.getServicesMap().entrySet()) {
            String field = "services[" + e.getKey() + "]";
            p.require(e.getKey().indexOf('/') > 0 && e.getKey().indexOf('/') < e.getKey().length() - 1, field,
                    "key must be <namespace>/<hostname>");
            List<PortMapping> mappings = new ArrayList<>();
            for (int i = 0; i < e.getValue().getPortsCount(); i++) {
                var m = e.getValue().getPorts(i);
                p.port(field + ".ports[" + i + "].service_port", m.getServicePort(), false);
                p.port(field + ".ports[" + i + "].target_port", m.getTargetPort(), true);
                mappings.add(new PortMapping(m.getServicePort(), m.getTargetPort()));
            }
            services.put(e.getKey(), List.copyOf(mappings));
        }
        for (int i = 0; i < w.getAuthorizationPoliciesCount(); i++) {
            String key = w.getAuthorizationPolicies(i);
            p.require(key.indexOf('/') > 0 && key.indexOf('/') < key.length() - 1, "authorization_policies[" + i + "]",
                    "'" + key + "' is not <namespace>/<name>");
        }
        WaypointAddress waypoint = w.hasWaypoint() ? p.waypoint("waypoint", w.getWaypoint()) : null;
        return new WorkloadInfo(w.getUid(), w.getName(), w.getNamespace(), w.getServiceAccount(), w.getNode(),
                addresses, identity, w.getProtocolValue() == 1, waypoint, w.getCanonicalName(),
                w.getCanonicalRevision(), w.getStatusValue() == 0, services, w.getAuthorizationPoliciesList());
    }

    static ServiceInfo service(String name, Service s) {
        Problems p = new Problems("Service", name);
        p.require(!s.getName().isEmpty(), "name", "must not be empty");
        p.require(!s.getNamespace().isEmpty(), "namespace", "must not be empty");
        p.require(!s.getHostname().isEmpty(), "hostname", "must not be empty");
        String key = s.getNamespace() + "/" + s.getHostname();
        p.require(key.equals(name), "hostname", "'" + key + "' does not match the resource name '" + name + "'");
        List<InetAddress> vips = new ArrayList<>();
        for (int i = 0; i < s.getVipsCount(); i++) {
            vips.add(p.address("vips[" + i + "]", s.getVips(i)));
        }
        List<ServicePort> ports = new ArrayList<>();
        for (int i = 0; i < s.getPortsCount(); i++) {
            var sp = s.getPorts(i);
            p.port("ports[" + i + "].port", sp.getPort(), false);
            p.port("ports[" + i + "].target_port", sp.getTargetPort(), true);
            ports.add(new ServicePort(sp.getPort(), sp.getTargetPort() == 0 ? sp.getPort() : sp.getTargetPort(),
                    sp.getAppProtocol(), sp.getName()));
        }
        WaypointAddress waypoint = s.hasWaypoint() ? p.waypoint("waypoint", s.getWaypoint()) : null;
        return new ServiceInfo(s.getName(), s.getNamespace(), s.getHostname(), vips, ports, waypoint);
    }

    static AuthorizationPolicy authorization(String name, Authorization a) {
        Problems p = new Problems("Authorization", name);
        p.require(!a.getName().isEmpty(), "name", "must not be empty");
        p.require(!a.getNamespace().isEmpty(), "namespace", "must not be empty");
        String key = a.getNamespace() + "/" + a.getName();
        p.require(key.equals(name), "name", "'" + key + "' does not match the resource name '" + name + "'");
        AuthorizationPolicy.Scope scope = switch (a.getScopeValue()) {
            case 0 -> AuthorizationPolicy.Scope.GLOBAL;
            case 1 -> AuthorizationPolicy.Scope.NAMESPACE;
            case 2 -> AuthorizationPolicy.Scope.WORKLOAD_SELECTOR;
            default -> throw p.fail("scope", "unknown value " + a.getScopeValue());
        };
        AuthorizationPolicy.Action action = switch (a.getActionValue()) {
            case 0 -> AuthorizationPolicy.Action.ALLOW;
            case 1 -> AuthorizationPolicy.Action.DENY;
            default -> throw p.fail("action", "unknown value " + a.getActionValue());
        };
        List<AuthorizationPolicy.Rule> rules = new ArrayList<>();
        for (int r = 0; r < a.getRulesCount(); r++) {
            Rule rule = a.getRules(r);
            List<AuthorizationPolicy.Source> from = new ArrayList<>();
            for (int f = 0; f < rule.getFromCount(); f++) {
                from.add(source(p, "rules[" + r + "].from[" + f + "]", rule.getFrom(f)));
            }
            List<AuthorizationPolicy.Destination> to = new ArrayList<>();
            for (int t = 0; t < rule.getToCount(); t++) {
                To d = rule.getTo(t);
                String field = "rules[" + r + "].to[" + t + "]";
                to.add(new AuthorizationPolicy.Destination(p.ports(field + ".ports", d.getPortsList()),
                        p.ports(field + ".not_ports", d.getNotPortsList())));
            }
            rules.add(new AuthorizationPolicy.Rule(from, to));
        }
        return new AuthorizationPolicy(a.getName(), a.getNamespace(), scope, action, rules);
    }

    private static AuthorizationPolicy.Source source(Problems p, String field, From f) {
        return new AuthorizationPolicy.Source(p.patterns(field + ".principals", f.getPrincipalsList()),
                p.patterns(field + ".not_principals", f.getNotPrincipalsList()),
                p.patterns(field + ".namespaces", f.getNamespacesList()),
                p.patterns(field + ".not_namespaces", f.getNotNamespacesList()),
                p.cidrs(field + ".ip_blocks", f.getIpBlocksList()),
                p.cidrs(field + ".not_ip_blocks", f.getNotIpBlocksList()));
    }

    /** Problem reporting for one resource. */
    private record Problems(String type, String name) {

        InvalidResourceException fail(String field, String problem) {
            return new InvalidResourceException(type, name, field, problem);
        }

        void require(boolean ok, String field, String problem) {
            if (!ok) {
                throw fail(field, problem);
            }
        }

        InetAddress address(String field, ByteString bytes) {
            if (bytes.size() != 4 && bytes.size() != 16) {
                throw fail(field, bytes.size() + " bytes, expected 4 (IPv4) or 16 (IPv6)");
            }
            try {
                return InetAddress.getByAddress(bytes.toByteArray());
            } catch (UnknownHostException e) {
                throw fail(field, e.getMessage());
            }
        }

        void port(String field, int port, boolean zeroAllowed) {
            if ((port == 0 && !zeroAllowed) || port < 0 || port > 65535) {
                throw fail(field, Integer.toUnsignedString(port) + " is not a TCP port (1..65535)");
            }
        }

        List<Integer> ports(String field, List<Integer> ports) {
            for (int i = 0; i < ports.size(); i++) {
                port(field + "[" + i + "]", ports.get(i), false);
            }
            return ports;
        }

        List<String> patterns(String field, List<String> values) {
            for (int i = 0; i < values.size(); i++) {
                String v = values.get(i);
                boolean innerStar = v.length() > 2 && v.substring(1, v.length() - 1).contains("*");
                boolean bothEnds = v.length() > 1 && v.startsWith("*") && v.endsWith("*");
                if (v.isEmpty() || innerStar || bothEnds) {
                    throw fail(field + "[" + i + "]", "'" + v + "': a value must be non-empty with '*' only as its "
                            + "first or last character");
                }
            }
            return values;
        }

        List<Cidr> cidrs(String field, List<IpBlock> blocks) {
            List<Cidr> out = new ArrayList<>(blocks.size());
            for (int i = 0; i < blocks.size(); i++) {
                String f = field + "[" + i + "]";
                InetAddress a = address(f + ".address", blocks.get(i).getAddress());
                int bits = a.getAddress().length * 8;
                long len = Integer.toUnsignedLong(blocks.get(i).getPrefixLen()); // uint32 on the wire
                if (len > bits) {
                    throw fail(f + ".prefix_len", len + " exceeds " + bits + " for " + a.getHostAddress());
                }
                out.add(new Cidr(a, (int) len));
            }
            return out;
        }

        WaypointAddress waypoint(String field, GatewayAddress g) {
            InetAddress a = address(field + ".address", g.getAddress());
            port(field + ".hbone_port", g.getHbonePort(), false);
            InetSocketAddress first = new InetSocketAddress(a, g.getHbonePort());
            java.util.LinkedHashSet<InetSocketAddress> replicas = new java.util.LinkedHashSet<>();
            replicas.add(first);
            for (int i = 0; i < g.getReplicaAddressesCount(); i++) {
                InetAddress r = address(field + ".replica_addresses[" + i + "]", g.getReplicaAddresses(i));
                replicas.add(new InetSocketAddress(r, g.getHbonePort()));
            }
            if (g.getReplicaAddressesCount() > 0 && !g.getReplicaAddresses(0).equals(g.getAddress())) {
                throw fail(field + ".replica_addresses[0]", "must equal address " + a.getHostAddress());
            }
            try {
                return new WaypointAddress(first, SpiffeId.parse(g.getIdentity()), List.copyOf(replicas));
            } catch (MalformedSpiffeIdException e) {
                throw fail(field + ".identity", e.getMessage());
            }
        }
    }
}
