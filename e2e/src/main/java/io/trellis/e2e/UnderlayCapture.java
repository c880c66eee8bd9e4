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
import java.util.Arrays;
import java.util.List;

/**
 * A tshark capture of the TCP traffic on the lab's underlay bridge (what crosses between nodes), written
 * to a pcap file under the lab's run directory, and the questions the demo and tests ask of it.
 */
public final class UnderlayCapture {

    /** A port nothing in the lab listens on: the knock is refused at once. */
    private static final int KNOCK_PORT = 9;

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
     * seconds. Knock on a closed port of another node (a SYN and a RST, no payload, so no question below counts
     * them) until the pcap file grows past its header: only then is the capture known to be live.
     */
    private void awaitLive() {
        List<LabNode> nodes = lab.nodes();
        if (nodes.size() < 2) {
            return;
        }
        String target = nodes.getLast().ip();
        Poll.until("tshark writing " + pcap, Duration.ofSeconds(30), () -> fileSize() > 0);
        long header = fileSize();
        Poll.until("tshark seeing packets on " + lab.underlayBridge(), Duration.ofSeconds(30), () -> {
            if (!tshark.isAlive()) {
                throw new MeshException.StartFailed("tshark exited: " + tshark.log());
            }
            nodes.getFirst().exec("bash", "-c", "exec 3<>/dev/tcp/" + target + "/" + KNOCK_PORT, "knock");
            return fileSize() > header;
        });
    }

    private long fileSize() {
        try {
            return Files.exists(pcap) ? Files.size(pcap) : 0;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + pcap, e);
        }
    }

    /** Stops the capture (tshark flushes the file on SIGTERM). */
    public void stop() {
        tshark.stop(Duration.ofSeconds(5));
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
        List<String> argv = new java.util.ArrayList<>(List.of("tshark", "-r", pcap.toString(), "-Y", filter,
                "-T", "fields"));
        for (String f : fieldNames) {
            argv.add("-e");
            argv.add(f);
        }
        // Reading a file needs no namespace; the underlay namespace is simply one the lab owns.
        CommandResult r = lab.nodes().getFirst().exec(argv.toArray(String[]::new));
        if (!r.ok()) {
            throw new MeshException.StartFailed("tshark could not read " + pcap + ": " + r.failureSummary());
        }
        return r.stdout().lines().map(String::strip).filter(l -> !l.isEmpty()).toList();
    }
}
