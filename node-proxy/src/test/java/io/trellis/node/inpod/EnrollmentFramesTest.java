package io.trellis.node.inpod;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.trellis.api.enrollment.v1.AddPod;
import io.trellis.api.enrollment.v1.AgentMessage;
import io.trellis.api.enrollment.v1.RemovePod;
import java.nio.ByteBuffer;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class EnrollmentFramesTest {

    @Test
    void roundTripsAMessage() throws Exception {
        AgentMessage m = AgentMessage.newBuilder().setAddPod(AddPod.newBuilder().setUid("u1").setNamespace("ns")
                .setServiceAccount("sa").setNetnsPath("/var/run/netns/x")).build();
        byte[] frame = EnrollmentFrames.encode(m);

        assertThat(ByteBuffer.wrap(frame).getInt()).isEqualTo(frame.length - 4);
        assertThat(EnrollmentFrames.decodeAgent(frame)).isEqualTo(m);
    }

    @Test
    void rejectsAFrameShorterThanItsPrefix() {
        assertThatThrownBy(() -> EnrollmentFrames.decodeAgent(new byte[] {0, 0}))
                .isInstanceOf(EnrollmentException.class)
                .hasMessageContaining("shorter than the 4-byte length prefix");
    }

    @Test
    void rejectsAPrefixThatDoesNotMatchThePacket() {
        byte[] frame = EnrollmentFrames.encode(AgentMessage.newBuilder()
                .setRemovePod(RemovePod.newBuilder().setUid("u1")).build());

        assertThatThrownBy(() -> EnrollmentFrames.decodeAgent(Arrays.copyOf(frame, frame.length - 1)))
                .hasMessageContaining("length prefix says");
        assertThatThrownBy(() -> EnrollmentFrames.decodeAgent(Arrays.copyOf(frame, frame.length + 3)))
                .hasMessageContaining("length prefix says");
        byte[] negative = frame.clone();
        negative[0] = (byte) 0xff;
        assertThatThrownBy(() -> EnrollmentFrames.decodeAgent(negative)).hasMessageContaining("length prefix says");
    }

    @Test
    void rejectsBytesThatAreNotAnAgentMessage() {
        byte[] garbage = {0, 0, 0, 3, (byte) 0xff, (byte) 0xff, (byte) 0xff};
        assertThatThrownBy(() -> EnrollmentFrames.decodeAgent(garbage))
                .isInstanceOf(EnrollmentException.class)
                .hasMessageStartingWith("malformed frame: not an AgentMessage");
    }

    @Test
    void rejectsAnEmptyMessage() {
        assertThatThrownBy(() -> EnrollmentFrames.decodeAgent(new byte[] {0, 0, 0, 0}))
                .hasMessageContaining("none of add_pod, remove_pod, snapshot_complete");
    }

    @Test
    void refusesToEncodeBeyondTheFrameLimit() {
        AgentMessage big = AgentMessage.newBuilder().setAddPod(AddPod.newBuilder()
                .setUid("x".repeat(EnrollmentFrames.MAX_FRAME_BYTES))).build();
        assertThatThrownBy(() -> EnrollmentFrames.encode(big)).isInstanceOf(IllegalArgumentException.class);
    }
}
