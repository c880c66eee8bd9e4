package io.trellis.waypoint.proxy;

import io.netty.channel.Channel;
import io.trellis.proxy.core.hbone.HboneHandler;
import io.trellis.proxy.core.hbone.HboneRequest;
import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Accepts HBONE CONNECTs to the VIP:port of a service bound to this waypoint and terminates each
 * tunnel into the waypoint's HTTP pipeline (through an in-process {@link PipeChannel}) instead of
 * connecting upstream. Any other destination is refused with 404 and a reason; beyond
 * {@link ProxySettings#maxDownstreamConnections} open tunnels, every new one is refused with 503.
 */
final class WaypointHboneHandler implements HboneHandler {

    private final ProxyContext ctx;
    private final DownstreamLimit limit;

    WaypointHboneHandler(ProxyContext ctx, DownstreamLimit limit) {
        this.ctx = ctx;
        this.limit = limit;
    }

    @Override
    public CompletionStage<Channel> open(HboneRequest request) {
        InetSocketAddress vip = request.target();
        if (ctx.snapshot().get().bound(vip) == null) {
            return HboneHandler.reject(404, "no service is bound to waypoint " + ctx.settings().identity() + " at "
                    + Addresses.format(vip) + ": label the Service trellis.io/use-waypoint=<this waypoint> "
                    + "or send it to the service directly");
        }
        InetSocketAddress client = ConnectionInfo.parseForwardedFor(request.forwarded());
        ConnectionInfo conn = new ConnectionInfo(vip, request.peer(), request.peerAddress(),
                client == null ? request.peerAddress() : client, request.baggage());
        if (!limit.tryOpen()) {
            return HboneHandler.reject(503, "waypoint " + ctx.settings().identity() + " is at its limit of "
                    + limit.max() + " downstream connections: retry later, or add waypoint replicas");
        }
        PipeChannel[] pipe;
        try {
            pipe = PipeChannel.pair(request.eventLoop(), vip, conn.clientAddress(), server -> {
                HeaderReadDeadline deadline = new HeaderReadDeadline(ctx, conn);
                server.pipeline().addLast("deadline", deadline);
                server.pipeline().addLast("sniff", new ProtocolSniffer(ctx, conn, deadline));
            });
        } catch (RuntimeException e) {
            limit.closed();
            throw e;
        }
        pipe[1].closeFuture().addListener(f -> limit.closed());
        return CompletableFuture.completedFuture(pipe[0]);
    }
}
