/** The HTTP target server the load generator drives (HTTP/1.1 and h2c prior knowledge). */
@NullMarked
package io.trellis.perf.server;

import org.jspecify.annotations.NullMarked;
