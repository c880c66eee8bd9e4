package io.trellis.controller.xds;

import io.trellis.api.workload.v1.Authorization;
import io.trellis.api.workload.v1.Service;
import io.trellis.api.workload.v1.Workload;
import java.util.List;

/** Type URLs of the workload xDS resources. */
public final class TypeUrls {

    private static final String PREFIX = "type.googleapis.com/";

    public static final String WORKLOAD = PREFIX + Workload.getDescriptor().getFullName();
    public static final String SERVICE = PREFIX + Service.getDescriptor().getFullName();
    public static final String AUTHORIZATION = PREFIX + Authorization.getDescriptor().getFullName();

    /** Every type the workload stream serves. */
    public static final List<String> ALL = List.of(WORKLOAD, SERVICE, AUTHORIZATION);

    private TypeUrls() {}
}
