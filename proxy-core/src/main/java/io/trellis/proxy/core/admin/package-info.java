/**
 * The operator-facing HTTP/1.1 servers every proxy runs, each on its own small event loop, never on a data-plane
 * loop: admin (15000, loopback: {@code /config_dump}, {@code /certs}, {@code /logging}, {@code /quitquitquit}),
 * metrics (15020: {@code /stats/prometheus}) and readiness (15021: {@code /healthz/ready}).
 */
@NullMarked
package io.trellis.proxy.core.admin;

import org.jspecify.annotations.NullMarked;
