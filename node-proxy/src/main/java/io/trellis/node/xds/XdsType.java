package io.trellis.node.xds;

import io.trellis.api.workload.v1.Authorization;
import io.trellis.api.workload.v1.Service;
import io.trellis.api.workload.v1.Workload;
import org.jspecify.annotations.Nullable;

/** The workload xDS resource types, with the type URLs the controller serves them under. */
public enum XdsType {
    WORKLOAD(Workload.getDescriptor().getFullName()),
    SERVICE(Service.getDescriptor().getFullName()),
    AUTHORIZATION(Authorization.getDescriptor().getFullName());

    private final String typeUrl;
    private final String shortName;

    XdsType(String fullName) {
        this.typeUrl = "type.googleapis.com/" + fullName;
        this.shortName = fullName.substring(fullName.lastIndexOf('.') + 1);
    }

    public String typeUrl() {
        return typeUrl;
    }

    /** {@code Workload}, {@code Service} or {@code Authorization}: for logs, metrics and messages. */
    public String shortName() {
        return shortName;
    }

    static @Nullable XdsType ofUrl(String typeUrl) {
        for (XdsType t : values()) {
            if (t.typeUrl.equals(typeUrl)) {
                return t;
            }
        }
        return null;
    }
}
