/** Config sources: Kubernetes-style YAML decoded into validated immutable records. */
@NullMarked
package io.trellis.controller.source;

import org.jspecify.annotations.NullMarked;
