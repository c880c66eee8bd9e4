package io.trellis.e2e.faults;

import io.trellis.e2e.ChildJvm;
import io.trellis.e2e.MeshLab;
import io.trellis.e2e.Poll;
import io.trellis.e2e.SlowTransferMain;
import io.trellis.install.lab.LabProcess;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * Long checksummed transfers ({@link SlowTransferMain}, one connection each) from one pod, paced so they stay in
 * flight until {@link #release released}; then they send the rest at once and verify the echo. They prove that
 * connections open across an event (a node-proxy drain) come through intact.
 */
public final class LongTransfers {

    private final List<LabProcess> processes;
    private final Path finish;
    private final long startMillis;

    private LongTransfers(List<LabProcess> processes, Path finish, long startMillis) {
        this.processes = processes;
        this.finish = finish;
        this.startMillis = startMillis;
    }

    /**
     * Starts {@code count} transfers of {@code bodyBytes} from {@code pod} to {@code host:port} and returns once each
     * has its first bytes out (so each holds a connection).
     */
    public static LongTransfers start(MeshLab mesh, String name, String pod, String host, int port, int count,
            int bodyBytes) {
        Path finish = mesh.lab().runDir().resolve("faults").resolve(name + ".finish");
        try {
            Files.createDirectories(finish.getParent());
            Files.deleteIfExists(finish);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare " + finish, e);
        }
        long start = System.currentTimeMillis();
        List<LabProcess> ps = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            ps.add(mesh.startApp(pod, name + "-" + i, ChildJvm.command(SlowTransferMain.class.getName(),
                    List.of(host, String.valueOf(port), String.valueOf(bodyBytes), finish.toString()))));
        }
        for (LabProcess p : ps) {
            Poll.until(p.name() + " sending", MeshLab.STARTUP, () -> {
                if (!p.isAlive() && !p.log().contains("event=slow_transfer_started")) {
                    throw new IllegalStateException(p.name() + " exited before sending:\n" + p.log());
                }
                return p.log().contains("event=slow_transfer_started");
            });
        }
        return new LongTransfers(List.copyOf(ps), finish, start);
    }

    /** Lets every transfer send the rest of its body at once. */
    public void release() {
        try {
            Files.writeString(finish, "finish\n", StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + finish, e);
        }
    }

    /**
     * Releases the transfers from a thread of its own once {@code condition} holds (or after {@code limit}, so they
     * never hang on a condition that does not come); join the returned thread before reading results.
     */
    public Thread releaseWhen(String what, Duration limit, BooleanSupplier condition) {
        return Thread.ofPlatform().name("release-long-transfers").start(() -> {
            try {
                Poll.until(what, limit, condition);
            } finally {
                release();
            }
        });
    }

    /**
     * Waits up to {@code limit} for every transfer to end and returns them as {@link Transfer}s: ok with both
     * directions' bytes verified, or failed with the client's reason ({@code none} when it printed no result).
     */
    public LoadTally await(Duration limit) {
        List<Transfer> out = new ArrayList<>();
        for (LabProcess p : processes) {
            Poll.until(p.name() + " to finish", limit, () -> !p.isAlive());
            long end = System.currentTimeMillis();
            String result = p.log().lines().filter(l -> l.startsWith("result=")).findFirst().orElse("result=none");
            out.add(parse(result, startMillis, end));
        }
        return LoadTally.of(out);
    }

    /** One {@link SlowTransferMain} result line as a transfer. */
    static Transfer parse(String result, long startMillis, long endMillis) {
        if (result.startsWith("result=ok bytes=")) {
            return new Transfer(startMillis, endMillis, true,
                    Long.parseLong(result.substring("result=ok bytes=".length()).trim()), "ok");
        }
        String reason = result.startsWith("result=fail reason=")
                ? result.substring("result=fail reason=".length()).strip() : "";
        // one token, as in the load log; "corrupted" keeps its meaning (Transfer#corrupted)
        return new Transfer(startMillis, endMillis, false, 0, reason.isEmpty() ? "no_result" : reason.replace(' ', '_'));
    }
}
