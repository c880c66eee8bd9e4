package io.trellis.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SpiffeIdTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            spiffe://cluster.local/ns/default/sa/web          | cluster.local  | default | web
            spiffe://example.org/ns/kube-system/sa/coredns    | example.org    | kube-system | coredns
            spiffe://td_1-x.y/ns/A.b_c-D/sa/Sa.9              | td_1-x.y       | A.b_c-D | Sa.9
            spiffe://a/ns/n/sa/s                              | a              | n       | s
            """)
    void parsesValidIds(String uri, String trustDomain, String namespace, String serviceAccount) {
        SpiffeId id = SpiffeId.parse(uri);

        assertThat(id).isEqualTo(SpiffeId.of(trustDomain, namespace, serviceAccount));
        assertThat(id.uri()).isEqualTo(uri);
        assertThat(id.toString()).isEqualTo(uri);
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
            ""                                             | does not start with 'spiffe://'
            cluster.local/ns/a/sa/b                        | does not start with 'spiffe://'
            https://cluster.local/ns/a/sa/b                | scheme must be 'spiffe', got 'https'
            SPIFFE://cluster.local/ns/a/sa/b               | scheme must be lowercase 'spiffe'
            spiffe:///ns/a/sa/b                            | trust domain is missing
            spiffe://                                      | trust domain is missing
            spiffe://Cluster.local/ns/a/sa/b               | contains 'C' (trust domains are lowercase)
            spiffe://clu$ter/ns/a/sa/b                     | contains '$'
            spiffe://cluster.local:8443/ns/a/sa/b          | must not have a port
            spiffe://user@cluster.local/ns/a/sa/b          | must not contain user info
            spiffe://cluster.local/ns/a/sa/b?x=1           | must not have a query
            spiffe://cluster.local/ns/a/sa/b#frag          | must not have a fragment
            spiffe://cluster.local                         | has no path
            spiffe://cluster.local/                        | has no path
            spiffe://cluster.local/ns/a/sa/b/              | empty segment
            spiffe://cluster.local/ns//sa/b                | empty segment
            spiffe://cluster.local/ns/./sa/b               | must not be '.'
            spiffe://cluster.local/ns/../sa/b              | must not be '..'
            spiffe://cluster.local/ns/a b/sa/b             | contains ' '
            spiffe://cluster.local/ns/a%20b/sa/b           | contains '%'
            spiffe://cluster.local/ns/a/sa/b/extra         | is not of the form /ns/<namespace>/sa/<service-account>
            spiffe://cluster.local/namespace/a/sa/b        | is not of the form /ns/<namespace>/sa/<service-account>
            spiffe://cluster.local/ns/a/serviceaccount/b   | is not of the form /ns/<namespace>/sa/<service-account>
            spiffe://cluster.local/workload                | is not of the form /ns/<namespace>/sa/<service-account>
            """)
    void rejectsMalformedIdsSayingWhy(String uri, String reason) {
        assertThatThrownBy(() -> SpiffeId.parse(uri))
                .isInstanceOf(MalformedSpiffeIdException.class)
                .hasMessageStartingWith("invalid SPIFFE id '" + uri + "'")
                .hasMessageContaining(reason);
    }

    @Test
    void rejectsIdsLongerThanTheSpecLimit() {
        String longId = "spiffe://cluster.local/ns/" + "a".repeat(2030) + "/sa/b";

        assertThatThrownBy(() -> SpiffeId.parse(longId))
                .isInstanceOf(MalformedSpiffeIdException.class)
                .hasMessageContaining("the limit is 2048");
        assertThatThrownBy(() -> SpiffeId.of("cluster.local", "a".repeat(2030), "b"))
                .hasMessageContaining("the limit is 2048");
    }

    @Test
    void rejectsTooLongTrustDomain() {
        assertThatThrownBy(() -> SpiffeId.requireValidTrustDomain("a".repeat(256)))
                .isInstanceOf(MalformedSpiffeIdException.class)
                .hasMessageContaining("the limit is 255");
    }

    @Test
    void ofValidatesEachPart() {
        assertThatThrownBy(() -> SpiffeId.of("cluster.local", "", "web"))
                .isInstanceOf(MalformedSpiffeIdException.class)
                .hasMessageContaining("the namespace is empty");
        assertThatThrownBy(() -> SpiffeId.of("cluster.local", "default", "we/b"))
                .hasMessageContaining("service account 'we/b' contains '/'");
        assertThatThrownBy(() -> SpiffeId.of("Bad", "default", "web"))
                .hasMessageContaining("trust domain 'Bad'");
    }

    @Test
    void controlCharactersAreNotEchoedIntoMessages() {
        assertThatThrownBy(() -> SpiffeId.parse("spiffe://cluster.local/ns/a\n/sa/b"))
                .hasMessageNotContaining("\n")
                .hasMessageContaining("U+000A");
    }

    @Test
    void idsAreValuesUsableAsMapKeys() {
        assertThat(SpiffeId.parse("spiffe://td/ns/a/sa/b")).isEqualTo(SpiffeId.of("td", "a", "b"))
                .hasSameHashCodeAs(SpiffeId.of("td", "a", "b"))
                .isNotEqualTo(SpiffeId.of("td", "a", "c"));
    }
}
