package io.trellis.e2e.faults;

import java.io.BufferedWriter;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The steady load of a fault scenario, run inside a lab pod so its traffic is captured like an application's:
 * {@code workers} threads each start one checksummed transfer ({@link TransferProtocol}, a fresh random body every
 * time) every {@code intervalMs} (closed loop: a transfer that takes longer delays that worker's next one), and log
 * each outcome as a {@link Transfer} line to {@code out}. Runs until {@code stopFile} exists, then lets the
 * transfers in flight finish.
 *
 * <p>Arguments: {@code <host> <port> <workers> <intervalMs> <bodyBytes> <timeoutMs> <out> <stopFile>}.
 */
public final class TransferClientMain {

    private TransferClientMain() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 8) {
            System.err.println("usage: TransferClientMain <host> <port> <workers> <intervalMs> <bodyBytes> <timeoutMs> "
                    + "<out> <stopFile>");
            System.exit(2);
        }
        String host = args[0];
        InetSocketAddress target = new InetSocketAddress(host, Integer.parseInt(args[1]));
        int workers = Integer.parseInt(args[2]);
        long interval = Long.parseLong(args[3]);
        int bodyBytes = Integer.parseInt(args[4]);
        int timeout = Integer.parseInt(args[5]);
        Path stop = Path.of(args[7]);
        try (BufferedWriter out = Files.newBufferedWriter(Path.of(args[6]), StandardCharsets.US_ASCII,
                StandardOpenOption.CREATE, StandardOpenOption.APPEND)) {
            List<Thread> threads = new ArrayList<>();
            for (int w = 0; w < workers; w++) {
                SplittableRandom random = new SplittableRandom(System.nanoTime() + w);
                threads.add(Thread.ofPlatform().name("transfer-" + w).start(() ->
                        work(target, host + ":" + args[1], interval, bodyBytes, timeout, stop, random, out)));
            }
            System.out.println("event=transfer_load_started target=" + target + " workers=" + workers
                    + " interval_ms=" + interval + " body_bytes=" + bodyBytes);
            for (Thread t : threads) {
                t.join();
            }
        }
        System.out.println("event=transfer_load_stopped");
    }

    private static void work(InetSocketAddress target, String hostHeader, long interval, int bodyBytes, int timeout,
            Path stop, SplittableRandom random, BufferedWriter out) {
        byte[] body = new byte[bodyBytes];
        long next = System.currentTimeMillis();
        while (!Files.exists(stop)) {
            random.nextBytes(body);
            String checksum = ChecksumServerMain.sha256(body);
            long start = System.currentTimeMillis();
            TransferProtocol.Outcome o = TransferProtocol.transfer(target, hostHeader, body, checksum, timeout);
            Transfer t = new Transfer(start, System.currentTimeMillis(), o.ok(), o.verifiedBytes(), o.detail());
            synchronized (out) {
                try {
                    out.write(t.format());
                    out.newLine();
                    out.flush();
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException("cannot write the transfer log", e);
                }
            }
            next += interval;
            long wait = next - System.currentTimeMillis();
            if (wait > 0) {
                try {
                    Thread.sleep(wait);
                } catch (InterruptedException e) {
                    return;
                }
            } else {
                next = System.currentTimeMillis();
            }
        }
    }
}
