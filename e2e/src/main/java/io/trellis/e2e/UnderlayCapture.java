package io.trellis.e2e;

import io.trellis.install.agent.CommandResult;
import io.trellis.install.lab.Lab;
import io.trellis.install.lab.LabNode;
import io.trellis.install.lab.LabProcess;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A tshark capture of the TCP traffic on the lab's underlay bridge (what crosses between nodes), written
 * to a pcap file under the lab's run directory, and the questions the demo and tests ask of it.
 */
public final class UnderlayCapture {

    /** Ports nothing in the lab listens on: a knock is refused at once (a SYN and a RST, no payload). */
    private static final int LIVE_KNOCK_PORT = 9;
    private static final int SYNC_KNOCK_PORT = 13;
    /** The HBONE port, decoded as TLS even on a connection whose handshake came before the capture. */
    private static final int HBONE_PORT = 15008;
    private static final Duration WAIT = Duration.ofSeconds(30);

    private final Lab lab;
    private final LabProcess tshark;
    private final Path pcap;

    private UnderlayCapture(Lab lab, LabProcess tshark, Path pcap) {
        this.lab = lab;
        this.tshark = tshark;
        this.pcap = pcap;
    }

    static UnderlayCapture start(Lab lab, String name) {
        if (!MeshLab.onPath("tshark")) {
            throw new MeshException.StartFailed("tshark is not installed (apt-get install -y tshark)");
        }
        Path pcap = lab.runDir().resolve(name + ".pcap");
        try {
            // a file left by an earlier run with the same lab name would look like a live capture
            Files.deleteIfExists(pcap);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove the old capture " + pcap, e);
        }
        LabProcess p = lab.start("tshark-" + name, lab.underlay(), List.of("tshark", "-i", lab.underlayBridge(),
                "-f", "tcp", "-w", pcap.toString()));
        UnderlayCapture capture = new UnderlayCapture(lab, p, pcap);
        Poll.until("tshark capturing on " + lab.underlayBridge(), Duration.ofSeconds(30),
                () -> p.log().contains("Capturing on") || !p.isAlive());
        if (!p.isAlive()) {
            throw new MeshException.StartFailed("tshark exited: " + p.log());
        }
        capture.awaitLive();
        return capture;
    }

    /**
     * "Capturing on" is printed before the capture sees packets; under load the first ones can be missed for
     * seconds. Knock on a closed port of another node until the knock is in the file: only then is the capture
     * known to be live.
     */
    private void awaitLive() {
        knockUntilRecorded(LIVE_KNOCK_PORT, "tshark seeing packets on " + lab.underlayBridge());
    }

    /**
     * Knocks on {@code port} of the last node from the first until a SYN to that port is in the file. dumpcap
     * writes packets in order, so once the knock is in the file so is everything captured before it.
     */
    private void knockUntilRecorded(int port, String what) {
        List<LabNode> nodes = lab.nodes();
        if (nodes.size() < 2) {
            return;
        }
        String target = nodes.getLast().ip();
        Poll.until(what, WAIT, () -> {
            if (!tshark.isAlive()) {
                throw new MeshException.StartFailed("tshark exited: " + tshark.log());
            }
            nodes.getFirst().exec("bash", "-c", "exec 3<>/dev/tcp/" + target + "/" + port, "knock");
            return !readWhileCapturing("tcp.flags.syn == 1 && tcp.flags.ack == 0 && tcp.dstport == " + port,
                    "frame.number").isEmpty();
        });
    }

    /**
     * Stops the capture once everything sent so far is in the file (a last knock recorded), then lets tshark
     * close the file on SIGTERM.
     */
    public void stop() {
        try {
            knockUntilRecorded(SYNC_KNOCK_PORT, "tshark recording everything sent before the capture stops");
        } finally {
            tshark.stop(Duration.ofSeconds(15));
        }
    }

    public Path file() {
        return pcap;
    }

    /** Whether {@code text} appears anywhere in the captured bytes (headers included), i.e. crossed in clear. */
    public boolean containsInClear(String text) {
        try {
            return new String(Files.readAllBytes(pcap), StandardCharsets.ISO_8859_1).contains(text);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + pcap, e);
        }
    }

    /** Total TCP payload bytes on {@code port}. */
    public long payloadBytes(int port) {
        return fields("tcp.port == " + port + " && tcp.len > 0", "tcp.len").stream().mapToLong(Long::parseLong).sum();
    }

    /** TLS records carrying application data on {@code port}. */
    public int tlsApplicationDataFrames(int port) {
        return fields("tcp.port == " + port + " && (tls.record.content_type == 23 || tls.record.opaque_type == 23)",
                "frame.number").size();
    }

    /** ALPN values offered in TLS ClientHellos on {@code port}. */
    public List<String> clientHelloAlpn(int port) {
        return fields("tcp.port == " + port + " && tls.handshake.type == 1", "tls.handshake.extensions_alpn_str")
                .stream().distinct().toList();
    }

    /** Frames on {@code port} that tshark decodes as HTTP or HTTP/2 in clear. */
    public int clearHttpFrames(int port) {
        return fields("tcp.port == " + port + " && (http || http2)", "frame.number").size();
    }

    /** TCP ports (either end) of segments carrying payload, lowest of the pair. */
    public List<Integer> portsWithPayload() {
        return fields("tcp.len > 0", "tcp.srcport", "tcp.dstport").stream().map(l -> Arrays.stream(l.split("\\s+"))
                .mapToInt(Integer::parseInt).min().orElse(0)).distinct().sorted().toList();
    }

    private List<String> fields(String filter, String... fieldNames) {
        CommandResult r = read(filter, fieldNames);
        if (!r.ok()) {
            throw new MeshException.StartFailed("tshark could not read " + pcap + ": " + r.failureSummary());
        }
        return lines(r);
    }

    /** Reads the file while dumpcap still writes it: a packet cut short at the end is expected, not an error. */
    private List<String> readWhileCapturing(String filter, String... fieldNames) {
        return lines(read(filter, fieldNames));
    }

    private CommandResult read(String filter, String... fieldNames) {
        List<String> argv = new ArrayList<>(List.of("tshark", "-r", pcap.toString(),
                "-d", "tcp.port==" + HBONE_PORT + ",tls", "-Y", filter, "-T", "fields"));
        for (String f : fieldNames) {
            argv.add("-e");
            argv.add(f);
        }
        // Reading a file needs no namespace; the first node's namespace is simply one the lab owns.
        return lab.nodes().getFirst().exec(argv.toArray(String[]::new));
    }

    private static List<String> lines(CommandResult r) {
        return r.stdout().lines().map(String::strip).filter(l -> !l.isEmpty()).toList();
    }
}
