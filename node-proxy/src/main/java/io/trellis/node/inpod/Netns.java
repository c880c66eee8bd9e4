package io.trellis.node.inpod;

/**
 * An open handle on a network namespace (an fd of {@code /var/run/netns/<name>},
 * {@code /proc/<pid>/ns/net}, or one received over SCM_RIGHTS). Keeping the fd open keeps
 * the namespace alive and lets the proxy enter it at any time. Close exactly once.
 */
public interface Netns extends AutoCloseable {

    /** The file descriptor, valid until {@link #close()}. */
    int fd();

    /** Where the handle came from, for messages: a path or {@code fd:<n> from <peer>}. */
    String source();

    /** The namespace's inode number: two handles with the same inode are the same namespace. */
    long inode();

    /** Releases the fd. Idempotent. */
    @Override
    void close();
}
