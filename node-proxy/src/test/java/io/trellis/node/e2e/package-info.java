/** End-to-end tests: controller + node-proxies + unmodified apps in the lab (root only). */
@NullMarked
package io.trellis.node.e2e;

import org.jspecify.annotations.NullMarked;
