package io.trellis.waypoint.proxy;

import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.LastHttpContent;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * A request body on its way upstream. While it fits in the retry buffer every piece is kept so a
 * retry (or a mirror) can replay it; once it outgrows the buffer the kept pieces are dropped and
 * the body only streams to the current attempt, which then cannot be retried.
 *
 * <p>Ownership: {@link #add} takes the content; {@link #next} hands out a buffer the caller must
 * write or release; {@link #release} frees everything left. One event loop owns an instance.
 */
final class RequestBody {

    private final int replayLimit;
    private @Nullable List<HttpContent> replay = new ArrayList<>(2);
    /** Only once the body outgrew the retry buffer (most never do: made then, not per request). */
    private @Nullable ArrayDeque<HttpContent> pending;
    private long replayBytes;
    private long pendingBytes;
    private int sent;
    private long sentBytes;
    private long totalBytes;
    private boolean complete;

    RequestBody(int replayLimit) {
        this.replayLimit = replayLimit;
    }

    void add(HttpContent content) {
        int n = content.content().readableBytes();
        totalBytes += n;
        if (content instanceof LastHttpContent) {
            complete = true;
        }
        List<HttpContent> kept = replay;
        if (kept != null && replayBytes + n <= replayLimit) {
            kept.add(content);
            replayBytes += n;
            return;
        }
        ArrayDeque<HttpContent> pending = this.pending;
        if (pending == null) {
            pending = new ArrayDeque<>();
            this.pending = pending;
        }
        if (kept != null) {
            // Outgrew the retry buffer: what the current attempt has not sent yet becomes pending.
            for (int i = 0; i < kept.size(); i++) {
                HttpContent c = kept.get(i);
                if (i < sent) {
                    c.release();
                } else {
                    pending.add(c);
                    pendingBytes += c.content().readableBytes();
                }
            }
            replay = null;
        }
        pending.add(content);
        pendingBytes += n;
    }

    /** Whether a new attempt can still be given the whole body. */
    boolean replayable() {
        return replay != null;
    }

    /** Starts handing the body out again from the first byte, for a retry. */
    void rewind() {
        if (replay == null) {
            throw new IllegalStateException("request body outgrew the retry buffer; it cannot be replayed");
        }
        sent = 0;
        sentBytes = 0;
    }

    /** The next piece for the current attempt, or null when it has everything received so far. */
    @Nullable HttpContent next() {
        List<HttpContent> kept = replay;
        if (kept != null) {
            if (sent >= kept.size()) {
                return null;
            }
            HttpContent c = kept.get(sent++);
            sentBytes += c.content().readableBytes();
            return c.retainedDuplicate();
        }
        HttpContent c = pending == null ? null : pending.poll();
        if (c != null) {
            pendingBytes -= c.content().readableBytes();
        }
        return c;
    }

    /** Bytes received but not yet handed to the current attempt. */
    long unsentBytes() {
        return replay != null ? replayBytes - sentBytes : pendingBytes;
    }

    /** A full copy of a complete, kept body (for a mirror), or null if there is none. */
    @Nullable List<HttpContent> copyIfComplete() {
        List<HttpContent> kept = replay;
        if (kept == null || !complete) {
            return null;
        }
        List<HttpContent> copy = new ArrayList<>(kept.size());
        for (HttpContent c : kept) {
            copy.add(c.retainedDuplicate());
        }
        return copy;
    }

    /** Whether the whole body, including its end, has been handed to the current attempt. */
    boolean fullySent() {
        List<HttpContent> kept = replay;
        return complete && (kept != null ? sent == kept.size() : pending == null || pending.isEmpty());
    }

    boolean complete() {
        return complete;
    }

    long totalBytes() {
        return totalBytes;
    }

    void release() {
        List<HttpContent> kept = replay;
        if (kept != null) {
            kept.forEach(HttpContent::release);
            kept.clear();
        }
        if (pending != null) {
            pending.forEach(HttpContent::release);
            pending.clear();
        }
        pendingBytes = 0;
        replayBytes = 0;
        sent = 0;
        sentBytes = 0;
    }
}
