/** The mesh model: an immutable snapshot of workloads, services and policies, and its translation to the api protos. */
@NullMarked
package io.trellis.controller.model;

import org.jspecify.annotations.NullMarked;
