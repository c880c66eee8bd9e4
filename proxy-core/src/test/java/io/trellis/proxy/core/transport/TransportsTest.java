package io.trellis.proxy.core.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Set;
import org.junit.jupiter.api.Test;

class TransportsTest {

    @Test
    void autoPicksTheBestAvailable() {
        assertThat(Transports.choose("auto", t -> true).transport()).isEqualTo(Transport.IO_URING);
        TransportChoice noUring = Transports.choose("auto", t -> t != Transport.IO_URING);
        assertThat(noUring.transport()).isEqualTo(Transport.EPOLL);
        assertThat(noUring.reason()).startsWith("auto: io_uring unavailable");
    }

    @Test
    void requestedTransportFallsBackDownTheOrderWithTheReason() {
        TransportChoice choice = Transports.choose("epoll", t -> Set.of(Transport.NIO).contains(t));
        assertThat(choice.transport()).isEqualTo(Transport.NIO);
        assertThat(choice.reason()).startsWith("requested epoll but epoll unavailable");
        assertThat(Transports.choose("nio", t -> true).transport()).isEqualTo(Transport.NIO);
        assertThat(Transports.choose("epoll", t -> true).reason()).isEqualTo("requested");
    }

    @Test
    void unknownSettingIsRejectedWithTheChoices() {
        assertThatThrownBy(() -> Transports.choose("kqueue", t -> true))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("TRELLIS_TRANSPORT=kqueue is not a transport; use one of auto, io_uring, epoll, nio");
    }
}
