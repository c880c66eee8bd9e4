/** The waypoint's own workload certificate, obtained from the controller's CA and renewed. */
@NullMarked
package io.trellis.waypoint.identity;

import org.jspecify.annotations.NullMarked;
