/** Echo and sink servers and the clients that measure round trips and bulk throughput through them. */
@NullMarked
package io.trellis.perf.echo;

import org.jspecify.annotations.NullMarked;
