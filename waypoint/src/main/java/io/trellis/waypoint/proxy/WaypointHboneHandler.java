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
 * connecting upstream. Any other destination is refused with 404 and a reason.
 */
final class WaypointHboneHandler implements HboneHandler {

    private final ProxyContext ctx;

    WaypointHboneHandler(ProxyContext ctx) {
        this.ctx = ctx;
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
        PipeChannel[] pipe = PipeChannel.pair(request.eventLoop(), vip, conn.clientAddress(),
                server -> server.pipeline().addLast("sniff", new ProtocolSniffer(ctx, conn)));
        return CompletableFuture.completedFuture(pipe[0]);
    }
}
