/**
 * Logging set up in code for the proxies: the structured event-line format without logback's XML
 * configurator and pattern parser, which together load several hundred classes into every proxy.
 */
@NullMarked
package io.trellis.proxy.core.logging;

import org.jspecify.annotations.NullMarked;
