/** Kubernetes packaging: the manifests {@code trellisctl install} prints, built from fabric8's model. */
@NullMarked
package io.trellis.install.kube;

import org.jspecify.annotations.NullMarked;
