package io.trellis.e2e.faults;

import io.trellis.e2e.ChildJvm;
import io.trellis.e2e.MeshLab;
import io.trellis.e2e.Poll;
import io.trellis.install.lab.LabProcess;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A {@link TransferClientMain} running in a lab pod against one address, and its transfer log. Stopping it asks it to
 * finish (a stop file) so the transfers in flight are logged rather than cut off.
 */
public final class SteadyLoad implements AutoCloseable {

    private final String name;
    private final LabProcess process;
    private final Path log;
    private final Path stop;
    private final LoadShape shape;

    private SteadyLoad(String name, LabProcess process, Path log, Path stop, LoadShape shape) {
        this.name = name;
        this.process = process;
        this.log = log;
        this.stop = stop;
        this.shape = shape;
    }

    /** Starts the load from {@code clientPod} to {@code host:port}; returns once it is running (not yet verified). */
    public static SteadyLoad start(MeshLab mesh, String name, String clientPod, String host, int port, LoadShape shape) {
        Path dir = mesh.lab().runDir().resolve("faults");
        Path log = dir.resolve(name + ".transfers");
        Path stop = dir.resolve(name + ".stop");
        try {
            Files.createDirectories(dir);
            Files.deleteIfExists(log);
            Files.deleteIfExists(stop);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare " + dir, e);
        }
        LabProcess p = mesh.startApp(clientPod, "load-" + name, ChildJvm.command(TransferClientMain.class.getName(),
                List.of(host, String.valueOf(port), String.valueOf(shape.workers()),
                        String.valueOf(shape.intervalMillis()), String.valueOf(shape.bodyBytes()),
                        String.valueOf(shape.timeoutMillis()), log.toString(), stop.toString())));
        return new SteadyLoad(name, p, log, stop, shape);
    }

    /** Waits until {@code count} transfers succeeded in a row at the end of the log: the path is warm. */
    public void awaitHealthy(int count, Duration limit) {
        Poll.until("load " + name + ": " + count + " transfers ok in a row", limit, () -> {
            if (!process.isAlive()) {
                throw new IllegalStateException("load " + name + " exited early:\n" + process.log());
            }
            List<Transfer> all = transfers();
            if (all.size() < count) {
                return false;
            }
            return all.subList(all.size() - count, all.size()).stream().allMatch(Transfer::ok);
        });
    }

    /** Everything logged so far. */
    public LoadTally tally() {
        return LoadTally.of(transfers());
    }

    /** Asks the client to stop, waits for the transfers in flight (at most their timeout), and returns the tally. */
    public LoadTally stop() {
        try {
            Files.writeString(stop, "stop\n", StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + stop, e);
        }
        try {
            Poll.until("load " + name + " to finish its transfers in flight",
                    Duration.ofMillis(shape.timeoutMillis() * 2L + 10_000), () -> !process.isAlive());
        } finally {
            process.stop(Duration.ofSeconds(1));
        }
        return tally();
    }

    public LoadShape shape() {
        return shape;
    }

    private List<Transfer> transfers() {
        if (!Files.exists(log)) {
            return List.of();
        }
        List<Transfer> out = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(log, StandardCharsets.US_ASCII)) {
                // the last line may be half written while the client runs
                if (!line.isBlank() && line.split(" ").length == 5) {
                    out.add(Transfer.parse(line));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + log, e);
        }
        return out;
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            stop();
        }
    }
}
