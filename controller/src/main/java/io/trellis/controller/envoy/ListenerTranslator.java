package io.trellis.controller.envoy;

import com.google.protobuf.Any;
import io.envoyproxy.envoy.config.listener.v3.ApiListener;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.Rds;

/**
 * The API listener of a service port, named {@code <hostname>:<port>}: what proxyless gRPC clients resolve
 * {@code xds:///<hostname>:<port>} to. Its routes come over RDS (ADS) under the same name.
 */
public final class ListenerTranslator {

    static final String ROUTER_FILTER = "envoy.filters.http.router";

    private ListenerTranslator() {}

    public static Listener apiListener(String hostname, int port) {
        String name = EnvoyNames.listener(hostname, port);
        HttpConnectionManager hcm = HttpConnectionManager.newBuilder()
                .setStatPrefix(name)
                .setRds(Rds.newBuilder().setConfigSource(ClusterTranslator.ads()).setRouteConfigName(name))
                .addHttpFilters(HttpFilter.newBuilder().setName(ROUTER_FILTER)
                        .setTypedConfig(Any.pack(Router.getDefaultInstance())))
                .build();
        return Listener.newBuilder().setName(name)
                .setApiListener(ApiListener.newBuilder().setApiListener(Any.pack(hcm)))
                .build();
    }
}
