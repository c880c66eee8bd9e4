#!/bin/sh
# The node-proxy DaemonSet configures the process through environment variables (the node name comes from the
# downward API, which cannot be spliced into a flag of an image without a shell); extra arguments are appended.
set -eu
: "${TRELLIS_NODE_NAME:?TRELLIS_NODE_NAME is not set: the DaemonSet sets it from spec.nodeName}"
# optional: TLS to the controller (the mesh root certificate) and the CA credential (a projected token)
if [ -n "${TRELLIS_BOOTSTRAP_TOKEN_FILE:-}" ]; then
    set -- --bootstrap-token-file "$TRELLIS_BOOTSTRAP_TOKEN_FILE" "$@"
fi
port=15010
if [ -n "${TRELLIS_CONTROLLER_ROOT_CERT:-}" ]; then
    set -- --controller-root-cert "$TRELLIS_CONTROLLER_ROOT_CERT" "$@"
    port=15012
fi
if [ -n "${TRELLIS_CONTROLLER_IDENTITY:-}" ]; then
    set -- --controller-identity "$TRELLIS_CONTROLLER_IDENTITY" "$@"
fi
exec java --enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow -cp '/opt/trellis/lib/*' \
    io.trellis.node.NodeProxyMain \
    --node-name "$TRELLIS_NODE_NAME" \
    --controller "${TRELLIS_CONTROLLER_ADDRESS:-trellis-controller.trellis-system.svc:$port}" \
    --trust-domain "${TRELLIS_TRUST_DOMAIN:-cluster.local}" \
    --enroll-socket "${TRELLIS_ENROLLMENT_SOCKET:-/var/run/trellis/enroll.sock}" \
    "$@"
