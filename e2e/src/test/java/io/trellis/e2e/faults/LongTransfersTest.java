package io.trellis.e2e.faults;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Reading a long transfer's result line as a {@link Transfer}. */
class LongTransfersTest {

    @Test
    void okLineCarriesTheVerifiedBytes() {
        Transfer t = LongTransfers.parse("result=ok bytes=67108864", 1000, 5000);
        assertThat(t).isEqualTo(new Transfer(1000, 5000, true, 67_108_864, "ok"));
    }

    @Test
    void failuresKeepTheirReasonAndCorruptionCountsAsCorrupted() {
        assertThat(LongTransfers.parse("result=fail reason=reset", 1, 2).detail()).isEqualTo("reset");
        Transfer corrupted = LongTransfers.parse("result=fail reason=corrupted", 1, 2);
        assertThat(corrupted.ok()).isFalse();
        assertThat(corrupted.corrupted()).isTrue();
        assertThat(LongTransfers.parse("result=fail reason=status_HTTP/1.1_503", 1, 2).detail())
                .isEqualTo("status_HTTP/1.1_503");
    }

    @Test
    void aMissingOrEmptyResultIsAFailure() {
        assertThat(LongTransfers.parse("result=none", 1, 2)).extracting(Transfer::ok, Transfer::detail)
                .containsExactly(false, "no_result");
        assertThat(LongTransfers.parse("result=fail reason= ", 1, 2).detail()).isEqualTo("no_result");
    }
}
