package io.trellis.controller.ca;

import io.fabric8.kubernetes.api.model.authentication.TokenReview;
import io.fabric8.kubernetes.api.model.authentication.TokenReviewBuilder;
import io.fabric8.kubernetes.api.model.authentication.UserInfo;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.trellis.controller.model.MeshModel;
import io.trellis.controller.model.Waypoint;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kubernetes mode's node credential: a projected service-account token, checked with a TokenReview.
 *
 * <ul>
 *   <li>The node-proxy's service account ({@code trellis-system/trellis-node-proxy} by default) is a node-proxy;
 *       its node is the one the token is bound to ({@code authentication.kubernetes.io/node-name}, which
 *       Kubernetes adds to tokens of pods since 1.30).</li>
 *   <li>The service account of a waypoint's pods is that waypoint.</li>
 * </ul>
 *
 * <p>Both mount their token with audience {@link #AUDIENCE} and the review asks for it: a token minted for the
 * API server (the default audience), or for any other service, is not accepted here, and a token the CA accepted
 * cannot be replayed against the API server.
 */
public final class TokenReviewAuthenticator implements CallerAuthenticator {

    private static final Logger LOG = LoggerFactory.getLogger(TokenReviewAuthenticator.class);
    static final String NODE_NAME = "authentication.kubernetes.io/node-name";
    static final String SA_PREFIX = "system:serviceaccount:";
    /**
     * The audience of the projected service-account tokens node-proxies and waypoints present to the CA (the
     * DaemonSet's and the waypoint Deployment's {@code serviceAccountToken.audience}).
     */
    public static final String AUDIENCE = "trellis-controller";

    private final KubernetesClient client;
    private final String nodeProxyAccount;
    private final List<String> audiences;
    private final Supplier<MeshModel> model;

    /**
     * @param nodeProxyAccount {@code namespace/name} of the node-proxy DaemonSet's service account
     * @param audiences        audiences the token must be valid for ({@link #AUDIENCE}); empty: the API server's
     *                         default
     */
    public TokenReviewAuthenticator(KubernetesClient client, String nodeProxyAccount, List<String> audiences,
                                    Supplier<MeshModel> model) {
        this.client = client;
        this.nodeProxyAccount = nodeProxyAccount;
        this.audiences = List.copyOf(audiences);
        this.model = model;
    }

    @Override
    public Optional<Caller> authenticate(String token) {
        TokenReview review;
        try {
            review = client.resource(new TokenReviewBuilder().withNewSpec().withToken(token)
                    .withAudiences(audiences).endSpec().build()).create();
        } catch (KubernetesClientException e) {
            LOG.warn("event=token_review_failed problem=\"{}\"", e.getMessage());
            return Optional.empty();
        }
        if (review.getStatus() == null || !Boolean.TRUE.equals(review.getStatus().getAuthenticated())
                || review.getStatus().getUser() == null) {
            return Optional.empty();
        }
        List<String> granted = review.getStatus().getAudiences() == null ? List.of()
                : review.getStatus().getAudiences();
        if (!audiences.isEmpty() && granted.stream().noneMatch(audiences::contains)) {
            // the API server answers with the audiences the token is valid for among those asked; none: not ours
            LOG.warn("event=token_wrong_audience wanted={} granted={} problem=\"the token was not minted for the "
                    + "controller; mount a projected service account token with audience {}\"", audiences, granted,
                    AUDIENCE);
            return Optional.empty();
        }
        UserInfo user = review.getStatus().getUser();
        String username = user.getUsername() == null ? "" : user.getUsername();
        if (!username.startsWith(SA_PREFIX)) {
            return Optional.empty();
        }
        String[] nsName = username.substring(SA_PREFIX.length()).split(":", 2);
        if (nsName.length != 2) {
            return Optional.empty();
        }
        String account = nsName[0] + "/" + nsName[1];
        if (account.equals(nodeProxyAccount)) {
            Map<String, List<String>> extra = user.getExtra() == null ? Map.of() : user.getExtra();
            List<String> nodes = extra.getOrDefault(NODE_NAME, List.of());
            if (nodes.size() != 1 || nodes.getFirst().isEmpty()) {
                LOG.warn("event=token_without_node account={} problem=\"the token is not bound to a node; mount a "
                        + "projected service account token (Kubernetes 1.30+)\"", account);
                return Optional.empty();
            }
            return Optional.of(new Caller.NodeProxy(nodes.getFirst()));
        }
        MeshModel m = model.get();
        String identity = m.settings().spiffeUri(nsName[0], nsName[1]);
        for (Waypoint wp : m.waypoints().values()) {
            if (wp.identity().equals(identity)) {
                return Optional.of(new Caller.Waypoint(wp.namespace(), wp.name()));
            }
        }
        return Optional.empty();
    }
}
