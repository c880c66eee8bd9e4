/** Proxies measured side by side with Trellis (HAProxy, nginx, child JVMs) as processes, with their /proc resource usage. */
@NullMarked
package io.trellis.perf.peer;

import org.jspecify.annotations.NullMarked;
