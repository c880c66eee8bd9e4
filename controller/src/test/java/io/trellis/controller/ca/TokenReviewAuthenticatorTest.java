package io.trellis.controller.ca;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.authentication.TokenReview;
import io.fabric8.kubernetes.api.model.authentication.TokenReviewBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.trellis.controller.model.MeshModel;
import io.trellis.controller.model.MeshSettings;
import io.trellis.controller.model.ModelBuilder;
import io.trellis.controller.source.DirectoryConfigSource;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The TokenReview round trip against fabric8's mock API server (a real HTTP API): the answer for each token
 * is what a kube-apiserver would say about it, including its audience check (a token is authenticated only for
 * an audience it was minted for, the API server's own when the review names none, and the answer lists the
 * audiences granted).
 */
class TokenReviewAuthenticatorTest {

    private static final MeshModel DEMO = ModelBuilder.build(DirectoryConfigSource.load(Path.of("examples", "demo")),
            MeshSettings.defaults());
    private static final String API_SERVER_AUDIENCE = "https://kubernetes.default.svc.cluster.local";
    /** The audience each token was minted for; a token not listed here has the trellis one. */
    private static final Map<String, String> MINTED_FOR = Map.of(
            "node-a-default-audience-token", API_SERVER_AUDIENCE,
            "node-a-other-service-token", "vault");
    private static final Map<String, TokenReview> ANSWERS = Map.of(
            "node-a-default-audience-token", review(true, "system:serviceaccount:trellis-system:trellis-node-proxy",
                    Map.of("authentication.kubernetes.io/node-name", List.of("node-a"))),
            "node-a-other-service-token", review(true, "system:serviceaccount:trellis-system:trellis-node-proxy",
                    Map.of("authentication.kubernetes.io/node-name", List.of("node-a"))),
            "node-a-token", review(true, "system:serviceaccount:trellis-system:trellis-node-proxy",
                    Map.of("authentication.kubernetes.io/node-name", List.of("node-a"))),
            "unbound-token", review(true, "system:serviceaccount:trellis-system:trellis-node-proxy", Map.of()),
            "waypoint-token", review(true, "system:serviceaccount:demo:reviews-waypoint", Map.of()),
            "app-token", review(true, "system:serviceaccount:demo:client", Map.of()),
            "user-token", review(true, "alice", Map.of()));

    private KubernetesMockServer server;
    private KubernetesClient client;
    private TokenReviewAuthenticator authenticator;
    private final List<List<String>> askedAudiences = new java.util.concurrent.CopyOnWriteArrayList<>();
    /** A lax API server (or a proxy in front of one) that authenticates without checking or naming audiences. */
    private volatile boolean lax;

    private static TokenReview review(boolean ok, String user, Map<String, List<String>> extra) {
        return new TokenReviewBuilder().withNewStatus().withAuthenticated(ok).withNewUser().withUsername(user)
                .withExtra(extra).endUser().endStatus().build();
    }

    @BeforeEach
    void start() {
        server = new KubernetesMockServer(false);
        server.init();
        server.expect().post().withPath("/apis/authentication.k8s.io/v1/tokenreviews").andReply(201, request -> {
            TokenReview asked = client.getKubernetesSerialization().unmarshal(request.getUtf8Body(), TokenReview.class);
            String token = asked.getSpec().getToken();
            List<String> wanted = asked.getSpec().getAudiences() == null ? List.of() : asked.getSpec().getAudiences();
            askedAudiences.add(wanted);
            TokenReview answer = ANSWERS.getOrDefault(token, review(false, "", Map.of()));
            if (lax) {
                return answer;
            }
            String minted = MINTED_FOR.getOrDefault(token, TokenReviewAuthenticator.AUDIENCE);
            List<String> target = wanted.isEmpty() ? List.of(API_SERVER_AUDIENCE) : wanted;
            if (!target.contains(minted)) {
                return new TokenReviewBuilder().withNewStatus().withAuthenticated(false)
                        .withError("[invalid bearer token, token audiences [" + minted + "] is invalid for the target "
                                + "audiences " + target + "]").endStatus().build();
            }
            answer.getStatus().setAudiences(List.of(minted));
            return answer;
        }).always();
        client = server.createClient();
        authenticator = new TokenReviewAuthenticator(client, "trellis-system/trellis-node-proxy",
                List.of(TokenReviewAuthenticator.AUDIENCE), () -> DEMO);
    }

    @AfterEach
    void stop() {
        client.close();
        server.destroy();
    }

    @Test
    void nodeProxyTokenIsItsNode() {
        assertThat(authenticator.authenticate("node-a-token")).contains(new Caller.NodeProxy("node-a"));
    }

    @Test
    void waypointServiceAccountIsThatWaypoint() {
        assertThat(authenticator.authenticate("waypoint-token"))
                .contains(new Caller.Waypoint("demo", "reviews-waypoint"));
    }

    @Test
    void theReviewAsksForTheTrellisAudienceAndTokensForOtherAudiencesAreRefused() {
        assertThat(authenticator.authenticate("node-a-token")).contains(new Caller.NodeProxy("node-a"));
        assertThat(askedAudiences).containsOnly(List.of("trellis-controller"));
        assertThat(authenticator.authenticate("node-a-default-audience-token"))
                .as("a token minted for the API server, as a projected token without audience is").isEmpty();
        assertThat(authenticator.authenticate("node-a-other-service-token")).as("minted for another service")
                .isEmpty();
    }

    @Test
    void anAnswerWithoutTheAudienceIsRefused() {
        lax = true;
        assertThat(authenticator.authenticate("node-a-other-service-token"))
                .as("authenticated, but not for the trellis audience").isEmpty();
    }

    @Test
    void everythingElseIsNobody() {
        assertThat(authenticator.authenticate("unbound-token")).as("node-proxy token not bound to a node").isEmpty();
        assertThat(authenticator.authenticate("app-token")).as("an application's own account").isEmpty();
        assertThat(authenticator.authenticate("user-token")).as("a user, not a service account").isEmpty();
        assertThat(authenticator.authenticate("forged")).as("rejected by the API server").isEmpty();
    }
}
