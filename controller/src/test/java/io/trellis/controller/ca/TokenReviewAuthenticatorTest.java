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
 * is what a kube-apiserver would say about it.
 */
class TokenReviewAuthenticatorTest {

    private static final MeshModel DEMO = ModelBuilder.build(DirectoryConfigSource.load(Path.of("examples", "demo")),
            MeshSettings.defaults());
    private static final Map<String, TokenReview> ANSWERS = Map.of(
            "node-a-token", review(true, "system:serviceaccount:trellis-system:trellis-node-proxy",
                    Map.of("authentication.kubernetes.io/node-name", List.of("node-a"))),
            "unbound-token", review(true, "system:serviceaccount:trellis-system:trellis-node-proxy", Map.of()),
            "waypoint-token", review(true, "system:serviceaccount:demo:reviews-waypoint", Map.of()),
            "app-token", review(true, "system:serviceaccount:demo:client", Map.of()),
            "user-token", review(true, "alice", Map.of()));

    private KubernetesMockServer server;
    private KubernetesClient client;
    private TokenReviewAuthenticator authenticator;

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
            return ANSWERS.getOrDefault(asked.getSpec().getToken(), review(false, "", Map.of()));
        }).always();
        client = server.createClient();
        authenticator = new TokenReviewAuthenticator(client, "trellis-system/trellis-node-proxy", List.of(),
                () -> DEMO);
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
    void everythingElseIsNobody() {
        assertThat(authenticator.authenticate("unbound-token")).as("node-proxy token not bound to a node").isEmpty();
        assertThat(authenticator.authenticate("app-token")).as("an application's own account").isEmpty();
        assertThat(authenticator.authenticate("user-token")).as("a user, not a service account").isEmpty();
        assertThat(authenticator.authenticate("forged")).as("rejected by the API server").isEmpty();
    }
}
