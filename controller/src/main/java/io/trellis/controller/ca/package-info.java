/** The certificate authority gRPC service with node authorization. */
@NullMarked
package io.trellis.controller.ca;

import org.jspecify.annotations.NullMarked;
