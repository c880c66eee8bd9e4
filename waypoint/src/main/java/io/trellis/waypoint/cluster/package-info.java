/**
 * The live state of one upstream cluster shared by every event loop: its settings, circuit
 * breakers, outlier detector, retry budget and current endpoints.
 */
@NullMarked
package io.trellis.waypoint.cluster;

import org.jspecify.annotations.NullMarked;
