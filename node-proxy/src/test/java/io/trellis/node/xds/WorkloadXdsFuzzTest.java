package io.trellis.node.xds;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import io.trellis.api.workload.v1.Authorization;
import io.trellis.api.workload.v1.Service;
import io.trellis.api.workload.v1.Workload;
import java.util.Arrays;

/**
 * Coverage-guided fuzzing of workload xDS validation: a resource built from arbitrary bytes either becomes a
 * record or is NACKed with {@link InvalidResourceException}; nothing else may escape into the xDS client. The
 * first input byte picks the type (Workload, Service, Authorization), the rest is the message. Each message is
 * checked twice: under its own natural name (so validation runs past the name check) and as raw bytes packed
 * in an {@link Any} under an unrelated name. Seeds: the controller's shapes, in {@code
 * WorkloadXdsFuzzTestInputs/validatesOrNacks/}.
 */
class WorkloadXdsFuzzTest {

    @FuzzTest(maxDuration = "30s")
    void validatesOrNacks(byte[] input) {
        if (input.length == 0) {
            return;
        }
        XdsType type = XdsType.values()[Math.floorMod(input[0], XdsType.values().length)];
        byte[] body = Arrays.copyOfRange(input, 1, input.length);

        decodes(type, "fuzz/raw", Any.newBuilder().setTypeUrl(type.typeUrl()).setValue(ByteString.copyFrom(body))
                .build());

        Message parsed;
        String name;
        try {
            switch (type) {
                case WORKLOAD -> {
                    Workload w = Workload.parseFrom(body);
                    parsed = w;
                    name = w.getUid();
                }
                case SERVICE -> {
                    Service s = Service.parseFrom(body);
                    parsed = s;
                    name = s.getNamespace() + "/" + s.getHostname();
                }
                case AUTHORIZATION -> {
                    Authorization a = Authorization.parseFrom(body);
                    parsed = a;
                    name = a.getNamespace() + "/" + a.getName();
                }
                default -> throw new AssertionError(type);
            }
        } catch (InvalidProtocolBufferException notAMessage) {
            return;
        }
        decodes(type, name, Any.pack(parsed));
    }

    private static void decodes(XdsType type, String name, Any any) {
        try {
            assertThat(ResourceDecoder.decode(type, name, any)).isNotNull();
        } catch (InvalidResourceException nack) {
            assertThat(nack.getMessage()).contains(name);
        }
    }
}
