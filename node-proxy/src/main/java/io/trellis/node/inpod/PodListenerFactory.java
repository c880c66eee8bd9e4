package io.trellis.node.inpod;

/**
 * Opens a pod's listeners inside its network namespace. The registry calls it on its
 * owner thread (blocking is fine there); the traffic paths plug in through the handlers
 * given to {@link NettyPodListenerFactory}.
 */
@FunctionalInterface
public interface PodListenerFactory {

    /** Opens all listeners of {@code pod} in {@code netns}, or none (closing any it opened) and throws. */
    PodListenerHandle open(PodInfo pod, Netns netns) throws InPodException;
}
