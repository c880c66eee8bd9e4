/**
 * The local lab: a multi-node topology of network namespaces on one machine (an underlay bridge,
 * one namespace per node, one per pod), processes started inside them, and the Kubernetes-style
 * YAML that tells the controller about the lab's pods.
 */
@NullMarked
package io.trellis.install.lab;

import org.jspecify.annotations.NullMarked;
