package io.trellis.node.inpod;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.trellis.api.enrollment.v1.AgentMessage;
import io.trellis.api.enrollment.v1.ProxyMessage;

/**
 * Coverage-guided fuzzing of the enrollment wire format: any packet either decodes into a message with a
 * payload (which re-encodes to a frame that decodes to the same message) or fails with {@link
 * EnrollmentException}, which the server turns into a NACK on that session. Seeds in {@code
 * EnrollmentFramesFuzzTestInputs/decodesOrRejects/}: AddPod (path and fd forms), RemovePod, SnapshotComplete,
 * an Ack, a bad prefix.
 */
class EnrollmentFramesFuzzTest {

    @FuzzTest(maxDuration = "30s")
    void decodesOrRejects(byte[] packet) {
        try {
            AgentMessage m = EnrollmentFrames.decodeAgent(packet);
            assertThat(m.getPayloadCase()).isNotEqualTo(AgentMessage.PayloadCase.PAYLOAD_NOT_SET);
            assertThat(EnrollmentFrames.decodeAgent(EnrollmentFrames.encode(m))).isEqualTo(m);
        } catch (EnrollmentException rejected) {
            assertThat(rejected.getMessage()).startsWith("malformed frame");
        }
        try {
            ProxyMessage m = EnrollmentFrames.decodeProxy(packet);
            assertThat(m.getPayloadCase()).isNotEqualTo(ProxyMessage.PayloadCase.PAYLOAD_NOT_SET);
        } catch (EnrollmentException rejected) {
            assertThat(rejected.getMessage()).startsWith("malformed frame");
        }
    }
}
