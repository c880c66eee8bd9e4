/** The workload delta xDS server for node-proxies and its push pipeline. */
@NullMarked
package io.trellis.controller.xds;

import org.jspecify.annotations.NullMarked;
