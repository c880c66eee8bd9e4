package io.trellis.e2e;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * One long checksummed transfer that stays in flight until told to finish, run in a lab pod: {@code POST /transfer}
 * to a {@code ChecksumServerMain} with a random body whose SHA-256 is sent up front, written 64 KiB every 100 ms until
 * {@code finishFile} exists (then the rest at once), and the echo read back and compared. It proves a connection that
 * was open across an event (a node-proxy drain) came through intact. Prints {@code event=slow_transfer_started} once
 * the first bytes are out, and ends with {@code result=ok bytes=N} or {@code result=fail reason=...}.
 *
 * <p>Arguments: {@code <host> <port> <bodyBytes> <finishFile>}.
 */
public final class SlowTransferMain {

    private static final int CHUNK = 64 * 1024;
    private static final long PACE_MILLIS = 100;

    private SlowTransferMain() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 4) {
            System.err.println("usage: SlowTransferMain <host> <port> <bodyBytes> <finishFile>");
            System.exit(2);
        }
        byte[] body = new byte[Integer.parseInt(args[2])];
        new SplittableRandom().nextBytes(body);
        String checksum = sha256(body);
        Path finish = Path.of(args[3]);
        String result;
        try (Socket socket = new Socket()) {
            socket.setSoTimeout(60_000);
            socket.connect(new InetSocketAddress(args[0], Integer.parseInt(args[1])), 10_000);
            OutputStream out = socket.getOutputStream();
            out.write(("POST /transfer HTTP/1.1\r\nHost: " + args[0] + "\r\nConnection: close\r\nContent-Length: "
                    + body.length + "\r\nx-trellis-sha256: " + checksum + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            int sent = 0;
            while (sent < body.length) {
                int n = Math.min(CHUNK, body.length - sent);
                out.write(body, sent, n);
                out.flush();
                if (sent == 0) {
                    System.out.println("event=slow_transfer_started bytes=" + body.length);
                }
                sent += n;
                if (!Files.exists(finish)) {
                    Thread.sleep(PACE_MILLIS); // the pacing is the point: the connection stays open and busy
                }
            }
            result = verify(new BufferedInputStream(socket.getInputStream()), body, checksum);
        } catch (IOException e) {
            String m = String.valueOf(e.getMessage()).toLowerCase(Locale.ROOT);
            result = "result=fail reason=" + (m.contains("reset") ? "reset" : e.getClass().getSimpleName());
        }
        System.out.println(result);
    }

    private static String verify(InputStream in, byte[] body, String checksum) throws IOException {
        String status = line(in);
        long length = -1;
        String echoed = "";
        for (String h = line(in); !h.isEmpty(); h = line(in)) {
            int colon = h.indexOf(':');
            if (colon > 0) {
                String name = h.substring(0, colon).trim().toLowerCase(Locale.ROOT);
                if (name.equals("content-length")) {
                    length = Long.parseLong(h.substring(colon + 1).trim());
                } else if (name.equals("x-trellis-sha256")) {
                    echoed = h.substring(colon + 1).trim();
                }
            }
        }
        if (!status.startsWith("HTTP/1.1 200")) {
            return "result=fail reason=status_" + status.replace(' ', '_');
        }
        byte[] back = in.readNBytes((int) Math.max(0, length));
        if (back.length != body.length || !sha256(back).equals(checksum) || !checksum.equalsIgnoreCase(echoed)) {
            return "result=fail reason=corrupted";
        }
        return "result=ok bytes=" + (2L * body.length);
    }

    private static String line(InputStream in) throws IOException {
        StringBuilder b = new StringBuilder();
        for (int c = in.read(); c != '\n'; c = in.read()) {
            if (c < 0) {
                throw new EOFException("connection closed inside the response head");
            }
            if (c != '\r') {
                b.append((char) c);
            }
        }
        return b.toString();
    }

    private static String sha256(byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 missing from the JDK", e);
        }
    }
}
