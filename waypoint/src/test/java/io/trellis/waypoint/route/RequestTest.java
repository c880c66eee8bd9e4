package io.trellis.waypoint.route;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class RequestTest {

  @Test
  void splitsPathQueryAndFragment() {
    Request r = Request.of("get", "/a/b?x=1&y=%2Fz&flag&x=2#frag", "svc:80");
    assertThat(r.method()).isEqualTo("GET");
    assertThat(r.path()).isEqualTo("/a/b");
    assertThat(r.query().get("x")).isEqualTo("1");
    assertThat(r.query().get("y")).isEqualTo("/z");
    assertThat(r.query().get("flag")).isEmpty();
    assertThat(r.query().get("missing")).isNull();
    assertThat(r.query().pairs()).hasSize(4);
  }

  @Test
  void malformedQueryEscapesAreKeptVerbatim() {
    Request r = Request.of("GET", "/?bad=%zz&ok=%41", "h");
    assertThat(r.query().get("bad")).isEqualTo("%zz");
    assertThat(r.query().get("ok")).isEqualTo("A");
  }

  @Test
  void headersAreCaseInsensitiveMultimaps() {
    Headers h = Headers.of("X-A", "1", "x-a", "2", "X-B", "3");
    assertThat(h.get("x-a")).isEqualTo("1");
    assertThat(h.getAll("X-A")).containsExactly("1", "2");
    assertThat(h.joined("x-a")).isEqualTo("1,2");
    assertThat(h.contains("x-c")).isFalse();
    assertThat(h.size()).isEqualTo(3);
    assertThat(h.toBuilder().remove("x-a").build()).isEqualTo(Headers.of("x-b", "3"));
    assertThatThrownBy(() -> Headers.of("odd")).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void headerModifierRemovesThenSetsThenAdds() {
    HeaderModifier m = new HeaderModifier(
        java.util.List.of(new HeaderModifier.Header("x-set", "new")),
        java.util.List.of(new HeaderModifier.Header("x-add", "b"), new HeaderModifier.Header("x-gone", "back")),
        java.util.List.of("x-gone"));
    Headers out = m.apply(Headers.of("x-set", "old1", "x-set", "old2", "x-add", "a", "x-gone", "1", "x-keep", "k"));
    assertThat(out.getAll("x-set")).containsExactly("new");
    assertThat(out.getAll("x-add")).containsExactly("a", "b");
    assertThat(out.getAll("x-gone")).containsExactly("back");
    assertThat(out.get("x-keep")).isEqualTo("k");
    assertThat(HeaderModifier.none().apply(out)).isSameAs(out);
  }
}
