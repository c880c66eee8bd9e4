package io.trellis.node.identity;

import io.grpc.Channel;
import io.trellis.identity.SpiffeId;
import io.trellis.identity.WorkloadCertificate;
import io.trellis.proxy.core.ca.ControllerCaClient;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Supplier;

/**
 * The controller's CA ({@code trellis.ca.v1.CertificateService/CreateCertificate}) as a {@link CaClient}: proxy-core's
 * {@link ControllerCaClient} (fresh P-256 key, the node's bootstrap token, the answer verified) with its failures
 * reported as {@link CertificateUnavailableException}.
 */
public final class GrpcCaClient implements CaClient {

    private final ControllerCaClient client;

    /**
     * @param bootstrapToken read per request, so a rotated token file takes effect without a restart
     * @param ttl            the lifetime asked for (the controller caps it)
     * @param deadline       how long one request may take
     */
    public GrpcCaClient(Channel channel, Supplier<String> bootstrapToken, Duration ttl, Duration deadline,
                        Clock clock) {
        this.client = new ControllerCaClient(channel, bootstrapToken, ttl, deadline, clock);
    }

    @Override
    public CompletableFuture<WorkloadCertificate> fetch(SpiffeId id) {
        CompletableFuture<WorkloadCertificate> result = new CompletableFuture<>();
        client.fetch(id).whenComplete((certificate, failure) -> {
            if (failure == null) {
                result.complete(certificate);
            } else {
                Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                        ? failure.getCause() : failure;
                result.completeExceptionally(new CertificateUnavailableException(cause.getMessage(), cause));
            }
        });
        return result;
    }
}
