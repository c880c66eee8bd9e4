package io.trellis.e2e.faults;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.concurrent.Executors;
import org.jspecify.annotations.Nullable;

/**
 * The target of the fault scenarios, run inside a lab pod: {@code POST /transfer} with header
 * {@value TransferProtocol#CHECKSUM_HEADER} (SHA-256 of the body, hex) is answered 200 with the same body and the
 * same header when the body arrived intact, 422 when its checksum does not match; {@code GET /healthz} answers 200.
 * Binds the wildcard address (captured traffic arrives on the pod's IP). Arguments: {@code <port>}.
 */
public final class ChecksumServerMain {

    private ChecksumServerMain() {
    }

    public static void main(String[] args) throws IOException {
        int port = Integer.parseInt(args[0]);
        HttpServer server = HttpServer.create(new InetSocketAddress("0.0.0.0", port), 1024);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/healthz", ex -> respond(ex, 200, new byte[] {'o', 'k', '\n'}, null));
        server.createContext("/transfer", ChecksumServerMain::transfer);
        server.start();
        System.out.println("event=checksum_server_listening port=" + port);
    }

    private static void transfer(HttpExchange ex) throws IOException {
        byte[] body;
        try (InputStream in = ex.getRequestBody()) {
            body = in.readAllBytes();
        }
        @Nullable String claimed = ex.getRequestHeaders().getFirst(TransferProtocol.CHECKSUM_HEADER);
        String actual = sha256(body);
        if (claimed == null || !claimed.equalsIgnoreCase(actual)) {
            System.out.println("event=checksum_mismatch bytes=" + body.length + " claimed=" + claimed
                    + " actual=" + actual);
            respond(ex, 422, ("checksum mismatch: got " + actual + "\n").getBytes(), null);
            return;
        }
        respond(ex, 200, body, actual);
    }

    private static void respond(HttpExchange ex, int status, byte[] body, @Nullable String checksum) throws IOException {
        if (checksum != null) {
            ex.getResponseHeaders().set(TransferProtocol.CHECKSUM_HEADER, checksum);
        }
        ex.sendResponseHeaders(status, body.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(body);
        }
    }

    static String sha256(byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    }
}
