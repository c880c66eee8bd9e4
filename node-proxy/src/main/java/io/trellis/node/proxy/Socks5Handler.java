package io.trellis.node.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.trellis.identity.SpiffeId;
import io.trellis.node.state.MeshStore;
import io.trellis.node.state.ServiceInfo;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One SOCKS5 client connection (RFC 1928): method negotiation (only "no authentication"), then one
 * CONNECT to an IPv4, IPv6 or domain address. Domains are resolved through the mesh state's service
 * hostnames ({@code name.namespace.svc.cluster.local}, or the shorter {@code name.namespace} and
 * {@code name.namespace.svc}) or must be IP literals: no DNS lookup happens on the event loop.
 * Malformed input gets the protocol's error reply (when one exists) and a close.
 */
final class Socks5Handler extends ByteToMessageDecoder {

    private static final Logger LOG = LoggerFactory.getLogger(Socks5Handler.class);

    static final int VERSION = 5;
    static final int NO_AUTH = 0;
    static final int NO_ACCEPTABLE_METHOD = 0xff;
    static final int CMD_CONNECT = 1;
    static final int ATYP_IPV4 = 1;
    static final int ATYP_DOMAIN = 3;
    static final int ATYP_IPV6 = 4;
    static final int REP_SUCCEEDED = 0;
    static final int REP_GENERAL_FAILURE = 1;
    static final int REP_NOT_ALLOWED = 2;
    static final int REP_HOST_UNREACHABLE = 4;
    static final int REP_REFUSED = 5;
    static final int REP_COMMAND_NOT_SUPPORTED = 7;
    static final int REP_ADDRESS_TYPE_NOT_SUPPORTED = 8;

    /** Builds a handler per accepted connection. */
    @ChannelHandler.Sharable
    static final class Factory extends ChannelInitializer<Channel> {
        private final MeshStore store;
        private final OutboundForwarder forwarder;
        private final Egress egress;
        private final SpiffeId identity;
        private final PathMetrics metrics;
        private final @Nullable String sourceKey;
        private final @Nullable InetAddress sourceIp;

        /** The node-wide entry: connections are made as {@code identity}, from no particular workload. */
        Factory(MeshStore store, OutboundForwarder forwarder, Egress egress, SpiffeId identity, PathMetrics metrics) {
            this(store, forwarder, egress, identity, metrics, null, null);
        }

        /**
         * One workload's entry (loopback node mode): connections are that workload's, so telemetry names it and
         * {@code forwarded} carries {@code sourceIp}, its address, rather than the loopback address the app
         * happened to connect from.
         */
        Factory(MeshStore store, OutboundForwarder forwarder, Egress egress, SpiffeId identity, PathMetrics metrics,
                @Nullable String sourceKey, @Nullable InetAddress sourceIp) {
            this.store = store;
            this.forwarder = forwarder;
            this.egress = egress;
            this.identity = identity;
            this.metrics = metrics;
            this.sourceKey = sourceKey;
            this.sourceIp = sourceIp;
        }

        @Override
        protected void initChannel(Channel ch) {
            ch.pipeline().addLast("socks5", new Socks5Handler(this));
        }
    }

    private enum State { GREETING, REQUEST, DONE }

    private final Factory f;
    private State state = State.GREETING;

    private Socks5Handler(Factory factory) {
        this.f = factory;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        switch (state) {
            case GREETING -> greeting(ctx, in);
            case REQUEST -> request(ctx, in);
            case DONE -> in.skipBytes(in.readableBytes()); // nothing may arrive before our reply
        }
    }

    private void greeting(ChannelHandlerContext ctx, ByteBuf in) {
        if (in.readableBytes() < 2) {
            return;
        }
        int version = in.getUnsignedByte(in.readerIndex());
        int count = in.getUnsignedByte(in.readerIndex() + 1);
        if (version != VERSION) {
            fail(ctx, "not SOCKS version 5 (first byte " + version + ")", -1);
            return;
        }
        if (in.readableBytes() < 2 + count) {
            return;
        }
        in.skipBytes(2);
        boolean noAuth = false;
        for (int i = 0; i < count; i++) {
            noAuth |= in.readUnsignedByte() == NO_AUTH;
        }
        if (!noAuth) {
            ctx.writeAndFlush(ctx.alloc().buffer(2).writeByte(VERSION).writeByte(NO_ACCEPTABLE_METHOD))
                    .addListener(x -> ctx.close());
            state = State.DONE;
            metrics().failed(PathMetrics.Path.SOCKS5, "no_acceptable_method");
            return;
        }
        ctx.writeAndFlush(ctx.alloc().buffer(2).writeByte(VERSION).writeByte(NO_AUTH));
        state = State.REQUEST;
    }

    private void request(ChannelHandlerContext ctx, ByteBuf in) {
        if (in.readableBytes() < 5) {
            return;
        }
        int base = in.readerIndex();
        int version = in.getUnsignedByte(base);
        int command = in.getUnsignedByte(base + 1);
        int atyp = in.getUnsignedByte(base + 3);
        int addressLength = switch (atyp) {
            case ATYP_IPV4 -> 4;
            case ATYP_IPV6 -> 16;
            case ATYP_DOMAIN -> 1 + in.getUnsignedByte(base + 4);
            default -> -1;
        };
        if (version != VERSION) {
            fail(ctx, "request is not SOCKS version 5", REP_GENERAL_FAILURE);
            return;
        }
        if (addressLength < 0) {
            fail(ctx, "address type " + atyp + " is not supported", REP_ADDRESS_TYPE_NOT_SUPPORTED);
            return;
        }
        if (in.readableBytes() < 4 + addressLength + 2) {
            return;
        }
        in.skipBytes(4);
        byte[] raw = new byte[atyp == ATYP_DOMAIN ? addressLength - 1 : addressLength];
        if (atyp == ATYP_DOMAIN) {
            in.skipBytes(1);
        }
        in.readBytes(raw);
        int port = in.readUnsignedShort();
        state = State.DONE;
        if (command != CMD_CONNECT) {
            fail(ctx, "command " + command + " is not supported (only CONNECT)", REP_COMMAND_NOT_SUPPORTED);
            return;
        }
        if (in.isReadable()) {
            fail(ctx, "data sent before the CONNECT reply", REP_GENERAL_FAILURE);
            return;
        }
        InetAddress address = atyp == ATYP_DOMAIN ? resolve(new String(raw, StandardCharsets.US_ASCII)) : literal(raw);
        if (address == null) {
            fail(ctx, "cannot resolve " + new String(raw, StandardCharsets.US_ASCII)
                    + ": not a mesh service hostname nor an IP literal", REP_HOST_UNREACHABLE);
            return;
        }
        connect(ctx, new InetSocketAddress(address, port));
    }

    private void connect(ChannelHandlerContext ctx, InetSocketAddress target) {
        Channel downstream = ctx.channel();
        downstream.config().setAutoRead(false);
        InetSocketAddress seen = (InetSocketAddress) downstream.remoteAddress();
        InetSocketAddress client = f.sourceIp == null ? seen : new InetSocketAddress(f.sourceIp, seen.getPort());
        f.forwarder.open(PathMetrics.Path.SOCKS5, f.egress, f.identity, f.sourceKey, downstream, client, target)
                .whenComplete((upstream, failure) -> {
                    if (failure != null) {
                        int rep = failure instanceof OutboundRefused ? REP_NOT_ALLOWED
                                : failure instanceof io.trellis.proxy.core.TunnelException.Rejected ? REP_NOT_ALLOWED
                                : REP_REFUSED;
                        reply(ctx, rep).addListener(x -> Connections.reset(downstream));
                        return;
                    }
                    // Hand over synchronously, on this loop: the client may send as soon as it sees the
                    // reply, and a read already requested must find the relay, not this decoder.
                    ctx.pipeline().remove(this);
                    downstream.writeAndFlush(replyBuffer(downstream.alloc(), REP_SUCCEEDED));
                    f.forwarder.relay(PathMetrics.Path.SOCKS5, downstream, upstream, f.identity, client, target);
                });
    }

    private io.netty.channel.ChannelFuture reply(ChannelHandlerContext ctx, int rep) {
        return ctx.writeAndFlush(replyBuffer(ctx.alloc(), rep));
    }

    private static ByteBuf replyBuffer(io.netty.buffer.ByteBufAllocator alloc, int rep) {
        // BND.ADDR/PORT: 0.0.0.0:0; clients of a CONNECT do not use it.
        return alloc.buffer(10).writeByte(VERSION).writeByte(rep).writeByte(0).writeByte(ATYP_IPV4).writeInt(0)
                .writeShort(0);
    }

    private void fail(ChannelHandlerContext ctx, String why, int rep) {
        state = State.DONE;
        metrics().failed(PathMetrics.Path.SOCKS5, "bad_request");
        LOG.info("event=socks5_refused src={} reason=\"{}\"", ctx.channel().remoteAddress(), why);
        if (rep < 0) {
            ctx.close();
        } else {
            reply(ctx, rep).addListener(x -> ctx.close());
        }
    }

    private PathMetrics metrics() {
        return f.metrics;
    }

    private @Nullable InetAddress resolve(String host) {
        String name = host.toLowerCase(Locale.ROOT);
        if (name.endsWith(".")) {
            name = name.substring(0, name.length() - 1);
        }
        for (ServiceInfo s : f.store.current().services().values()) {
            String full = s.hostname().toLowerCase(Locale.ROOT);
            String shortName = s.name() + "." + s.namespace();
            if (!s.vips().isEmpty() && (full.equals(name) || name.equals(shortName) || name.equals(shortName + ".svc"))) {
                return s.vips().getFirst();
            }
        }
        if (ForwardedFor.isIpLiteral(name)) {
            try {
                return InetAddress.getByName(name); // an IP literal: no lookup
            } catch (UnknownHostException e) {
                return null;
            }
        }
        return null;
    }

    private static @Nullable InetAddress literal(byte[] raw) {
        try {
            return InetAddress.getByAddress(raw);
        } catch (UnknownHostException e) {
            return null;
        }
    }
}
