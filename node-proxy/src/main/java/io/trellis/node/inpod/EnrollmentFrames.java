package io.trellis.node.inpod;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageLite;
import io.trellis.api.enrollment.v1.AgentMessage;
import io.trellis.api.enrollment.v1.ProxyMessage;
import java.nio.ByteBuffer;

/**
 * The enrollment frame: one per SEQPACKET packet, a 4-byte big-endian length then that
 * many bytes of one protobuf message. The prefix must match the packet exactly, so a
 * truncated or padded packet is caught before protobuf sees it.
 */
final class EnrollmentFrames {

    /** Largest frame either side sends or accepts, prefix included. */
    static final int MAX_FRAME_BYTES = 64 * 1024;
    private static final int PREFIX_BYTES = 4;

    private EnrollmentFrames() {}

    static byte[] encode(MessageLite message) {
        int size = message.getSerializedSize();
        if (size + PREFIX_BYTES > MAX_FRAME_BYTES) {
            throw new IllegalArgumentException("enrollment message of " + size + " bytes exceeds the frame limit of "
                    + MAX_FRAME_BYTES);
        }
        ByteBuffer buf = ByteBuffer.allocate(PREFIX_BYTES + size);
        buf.putInt(size);
        buf.put(message.toByteArray());
        return buf.array();
    }

    static AgentMessage decodeAgent(byte[] packet) throws EnrollmentException {
        try {
            AgentMessage m = AgentMessage.parseFrom(payload(packet));
            if (m.getPayloadCase() == AgentMessage.PayloadCase.PAYLOAD_NOT_SET) {
                throw new EnrollmentException("malformed frame: AgentMessage has none of add_pod, remove_pod, "
                        + "snapshot_complete (a message type this node-proxy does not know?)");
            }
            return m;
        } catch (InvalidProtocolBufferException e) {
            throw new EnrollmentException("malformed frame: not an AgentMessage: " + e.getMessage());
        }
    }

    static ProxyMessage decodeProxy(byte[] packet) throws EnrollmentException {
        try {
            ProxyMessage m = ProxyMessage.parseFrom(payload(packet));
            if (m.getPayloadCase() == ProxyMessage.PayloadCase.PAYLOAD_NOT_SET) {
                throw new EnrollmentException("malformed frame from the node-proxy: ProxyMessage has no ack");
            }
            return m;
        } catch (InvalidProtocolBufferException e) {
            throw new EnrollmentException("malformed frame from the node-proxy: " + e.getMessage());
        }
    }

    private static ByteBuffer payload(byte[] packet) throws EnrollmentException {
        if (packet.length < PREFIX_BYTES) {
            throw new EnrollmentException("malformed frame: " + packet.length
                    + " bytes is shorter than the 4-byte length prefix");
        }
        ByteBuffer buf = ByteBuffer.wrap(packet);
        int declared = buf.getInt();
        if (declared < 0 || declared != packet.length - PREFIX_BYTES) {
            throw new EnrollmentException("malformed frame: length prefix says " + Integer.toUnsignedString(declared)
                    + " bytes but the packet carries " + (packet.length - PREFIX_BYTES));
        }
        return buf.slice();
    }
}
