package io.trellis.controller.ca;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class BootstrapTokensTest {

    @Test
    void parsesNodesAndWaypoints() {
        BootstrapTokens t = BootstrapTokens.parse("tokens", List.of(
                "# lab tokens",
                "node node-a aaaaaaaaaaaaaaaaaaaa",
                "",
                "waypoint demo/reviews-waypoint bbbbbbbbbbbbbbbbbbbb"));

        assertThat(t.caller("aaaaaaaaaaaaaaaaaaaa")).contains(new Caller.NodeProxy("node-a"));
        assertThat(t.caller("bbbbbbbbbbbbbbbbbbbb")).contains(new Caller.Waypoint("demo", "reviews-waypoint"));
        assertThat(t.caller("cccccccccccccccccccc")).isEmpty();
    }

    @Test
    void badLinesNameTheLine() {
        assertThatThrownBy(() -> BootstrapTokens.parse("tokens", List.of("node node-a short")))
                .isInstanceOf(TokenFileException.class).hasMessageContaining("tokens:1").hasMessageContaining("16");
        assertThatThrownBy(() -> BootstrapTokens.parse("tokens", List.of("", "pod x aaaaaaaaaaaaaaaaaaaa")))
                .isInstanceOf(TokenFileException.class).hasMessageContaining("tokens:2");
        assertThatThrownBy(() -> BootstrapTokens.parse("tokens", List.of("waypoint nonamespace aaaaaaaaaaaaaaaaaaaa")))
                .isInstanceOf(TokenFileException.class).hasMessageContaining("<namespace>/<gateway>");
        assertThatThrownBy(() -> BootstrapTokens.parse("tokens", List.of(
                "node a aaaaaaaaaaaaaaaaaaaa", "node b aaaaaaaaaaaaaaaaaaaa")))
                .isInstanceOf(TokenFileException.class).hasMessageContaining("already used");
    }
}
