package io.trellis.node.proxy;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.trellis.identity.SpiffeId;
import io.trellis.node.inpod.NativeCallException;
import io.trellis.node.inpod.PodInfo;
import java.net.InetSocketAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The captured outbound listener (15001) of one pod: reads the original destination, refuses a
 * connection made to 15001 itself (it would loop), and hands the rest to the outbound path with the
 * pod's identity and egress. Sharable: one instance serves all of the pod's connections.
 */
@ChannelHandler.Sharable
final class OutboundHandler extends ChannelInitializer<Channel> {

    private static final Logger LOG = LoggerFactory.getLogger(OutboundHandler.class);

    private final PodInfo pod;
    private final SpiffeId identity;
    private final Egress egress;
    private final OriginalDestinations originalDestinations;
    private final OutboundForwarder forwarder;
    private final PathMetrics metrics;

    OutboundHandler(PodInfo pod, SpiffeId identity, Egress egress, OriginalDestinations originalDestinations,
            OutboundForwarder forwarder, PathMetrics metrics) {
        this.pod = pod;
        this.identity = identity;
        this.egress = egress;
        this.originalDestinations = originalDestinations;
        this.forwarder = forwarder;
        this.metrics = metrics;
    }

    @Override
    protected void initChannel(Channel ch) {
        Connections.acceptForRelay(ch, "outbound", this::accepted);
    }

    private void accepted(Channel downstream) {
        InetSocketAddress client = (InetSocketAddress) downstream.remoteAddress();
        InetSocketAddress local = (InetSocketAddress) downstream.localAddress();
        InetSocketAddress original;
        try {
            original = originalDestinations.of(downstream);
        } catch (NativeCallException | RuntimeException e) {
            metrics.failed(PathMetrics.Path.OUTBOUND, "no_original_destination");
            LOG.warn("event=outbound_refused pod={} src={} reason=\"cannot read the original destination: {}\"",
                    pod.uid(), client, e.getMessage());
            Connections.reset(downstream);
            return;
        }
        if (original.equals(local)) {
            // Not redirected: someone connected to 15001 itself. Forwarding it would connect to ourselves.
            metrics.failed(PathMetrics.Path.OUTBOUND, "loop");
            LOG.info("event=outbound_refused pod={} src={} dst={} reason=\"connection made to the outbound listener "
                    + "itself, not redirected by the capture rules; refusing to loop\"", pod.uid(), client, original);
            Connections.reset(downstream);
            return;
        }
        LOG.debug("event=outbound_accepted pod={} src={} dst={}", pod.uid(), client, original);
        forwarder.open(PathMetrics.Path.OUTBOUND, egress, identity, LocalPods.key(pod.namespace(), pod.name()), downstream,
                client, original)
                .whenComplete((upstream, failure) -> {
                    if (failure != null) {
                        Connections.reset(downstream);
                    } else {
                        forwarder.relay(PathMetrics.Path.OUTBOUND, downstream, upstream, identity, client, original);
                    }
                });
    }
}
