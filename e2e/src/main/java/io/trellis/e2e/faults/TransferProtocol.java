package io.trellis.e2e.faults;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * One checksummed transfer, the client side of {@link ChecksumServerMain}: a new TCP connection, {@code POST /transfer}
 * with a body and its SHA-256, then the echoed body read back and its checksum compared. HTTP/1.1 written by hand with
 * {@code Connection: close}, so nothing (no pool, no library retry) hides a failure: one call is one connection and
 * one request, and its outcome is exactly what an application would have seen.
 */
final class TransferProtocol {

    /** Header carrying the hex SHA-256 of the body, in both directions. */
    static final String CHECKSUM_HEADER = "x-trellis-sha256";
    private static final int MAX_HEAD = 16 * 1024;

    private TransferProtocol() {
    }

    /**
     * Sends {@code body} to {@code target} (with {@code host} as the Host header) and verifies the echo.
     *
     * @return the outcome; ok only when a 200 came back with exactly the bytes sent (by checksum and length)
     */
    static Outcome transfer(InetSocketAddress target, String host, byte[] body, String checksum, int timeoutMillis) {
        try (Socket socket = new Socket()) {
            socket.setSoTimeout(timeoutMillis);
            socket.setTcpNoDelay(true);
            socket.connect(target, timeoutMillis);
            OutputStream out = socket.getOutputStream();
            String head = "POST /transfer HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\nContent-Length: "
                    + body.length + "\r\n" + CHECKSUM_HEADER + ": " + checksum + "\r\n\r\n";
            out.write(head.getBytes(StandardCharsets.US_ASCII));
            out.write(body);
            out.flush();
            InputStream in = new BufferedInputStream(socket.getInputStream());
            String statusLine = line(in);
            String[] parts = statusLine.split(" ", 3);
            if (parts.length < 2 || !parts[0].startsWith("HTTP/1.")) {
                return Outcome.failed("bad_response");
            }
            int status = Integer.parseInt(parts[1]);
            long length = -1;
            String echoed = null;
            for (String h = line(in); !h.isEmpty(); h = line(in)) {
                int colon = h.indexOf(':');
                if (colon < 0) {
                    continue;
                }
                String name = h.substring(0, colon).trim().toLowerCase(Locale.ROOT);
                String value = h.substring(colon + 1).trim();
                if (name.equals("content-length")) {
                    length = Long.parseLong(value);
                } else if (name.equals(CHECKSUM_HEADER)) {
                    echoed = value;
                }
            }
            if (status != 200) {
                return Outcome.failed("status_" + status);
            }
            if (length != body.length) {
                return Outcome.failed(length < 0 ? "no_content_length" : "wrong_length");
            }
            byte[] back = in.readNBytes(body.length);
            if (back.length != body.length) {
                return Outcome.failed("short_body");
            }
            String actual = ChecksumServerMain.sha256(back);
            if (!actual.equals(checksum) || !checksum.equalsIgnoreCase(String.valueOf(echoed))) {
                return Outcome.corrupted();
            }
            return Outcome.ok(2L * body.length);
        } catch (ConnectException e) {
            return Outcome.failed("connect_refused");
        } catch (SocketTimeoutException e) {
            return Outcome.failed("timeout");
        } catch (EOFException e) {
            return Outcome.failed("closed_early");
        } catch (IOException e) {
            String m = String.valueOf(e.getMessage()).toLowerCase(Locale.ROOT);
            return Outcome.failed(m.contains("reset") ? "reset" : m.contains("broken pipe") ? "broken_pipe"
                    : "io_error");
        } catch (NumberFormatException e) {
            return Outcome.failed("bad_response");
        }
    }

    private static String line(InputStream in) throws IOException {
        StringBuilder b = new StringBuilder();
        for (int c = in.read(); c != '\n'; c = in.read()) {
            if (c < 0) {
                throw new EOFException("connection closed inside the response head");
            }
            if (b.length() > MAX_HEAD) {
                throw new IOException("response head over " + MAX_HEAD + " bytes");
            }
            if (c != '\r') {
                b.append((char) c);
            }
        }
        return b.toString();
    }

    /**
     * What one transfer came to.
     *
     * @param verifiedBytes bytes whose checksum matched (both directions), 0 unless ok
     * @param detail        "ok", "corrupted" (a 200 whose bytes differ: the one outcome that must never happen) or
     *                      the failure's kind ("timeout", "reset", "connect_refused", "status_503", ...)
     */
    record Outcome(boolean ok, long verifiedBytes, String detail) {
        static Outcome ok(long bytes) {
            return new Outcome(true, bytes, "ok");
        }

        static Outcome failed(String why) {
            return new Outcome(false, 0, why);
        }

        static Outcome corrupted() {
            return new Outcome(false, 0, Transfer.CORRUPTED);
        }
    }
}
