package io.trellis.ctl;

import com.google.protobuf.Timestamp;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.trellis.api.workload.v1.ListProxiesRequest;
import io.trellis.api.workload.v1.ProxyStatus;
import io.trellis.api.workload.v1.ProxyStatusServiceGrpc;
import io.trellis.api.workload.v1.TypeStatus;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code trellisctl proxy-status}: every proxy connected to the controller, per type: ACKs and NACKs. */
@Command(name = "proxy-status", mixinStandardHelpOptions = true,
        description = "Proxies connected to the controller: per resource type, what they acknowledged and what "
                + "they rejected (NACK) with the proxy's message.")
final class ProxyStatusCommand extends CtlCommand {

    /**
     * {@code version}: the version a waypoint (Envoy xDS, one version per type) acknowledged; node-proxies' workload
     * xDS versions each resource, so theirs stays empty.
     */
    static final List<String> COLUMNS = List.of("proxy", "peer", "connected", "type", "version", "acked", "pending",
            "last_acked_nonce", "nacks", "last_nack");

    @Mixin
    ControllerAddress controller = new ControllerAddress();
    @Mixin
    OutputOption output = new OutputOption();

    @Override
    int run() throws CtlException {
        OutputFormat format = output.format();
        ManagedChannel channel = controller.open();
        try {
            List<ProxyStatus> proxies = ProxyStatusServiceGrpc.newBlockingStub(channel)
                    .withDeadlineAfter(10, TimeUnit.SECONDS)
                    .listProxies(ListProxiesRequest.getDefaultInstance()).getProxiesList();
            Output.print(out(), format, COLUMNS, rows(proxies));
            return 0;
        } catch (StatusRuntimeException e) {
            throw new CtlException("cannot read proxy status from the controller at " + controller.address + ": "
                    + e.getStatus().getCode() + " " + (e.getStatus().getDescription() == null ? ""
                    : e.getStatus().getDescription()) + " (is it running? is --controller right?)", e);
        } finally {
            channel.shutdownNow();
        }
    }

    /** One row per proxy and type; a proxy with no subscription yet gets one row without a type. */
    static List<Map<String, Object>> rows(List<ProxyStatus> proxies) {
        List<Map<String, Object>> rows = new ArrayList<>();
        for (ProxyStatus p : proxies) {
            String connected = p.hasConnectedAt() ? time(p.getConnectedAt()) : "";
            if (p.getTypesCount() == 0) {
                rows.add(Output.row("proxy", p.getProxyId(), "peer", p.getPeer(), "connected", connected));
            }
            for (TypeStatus t : p.getTypesList()) {
                String nack = t.hasLastNack() ? t.getLastNack().getMessage() + " (nonce " + t.getLastNack().getNonce()
                        + (t.getLastNack().hasAt() ? ", " + time(t.getLastNack().getAt()) : "") + ")" : "";
                rows.add(Output.row("proxy", p.getProxyId(), "peer", p.getPeer(), "connected", connected,
                        "type", shortType(t.getTypeUrl()), "version", t.getLastAckedVersion(),
                        "acked", t.getAckedResources(),
                        "pending", t.getPendingResources(), "last_acked_nonce", t.getLastAckedNonce(),
                        "nacks", t.getNacksTotal(), "last_nack", nack));
            }
        }
        return rows;
    }

    private static String shortType(String typeUrl) {
        return typeUrl.substring(typeUrl.lastIndexOf('.') + 1);
    }

    private static String time(Timestamp t) {
        return Instant.ofEpochSecond(t.getSeconds(), t.getNanos()).truncatedTo(java.time.temporal.ChronoUnit.SECONDS)
                .toString();
    }
}
