package io.trellis.waypoint.proxy;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.UnknownFieldSet;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.zip.GZIPInputStream;

/**
 * A real OTLP/HTTP trace receiver on loopback: accepts {@code POST /v1/traces} with a protobuf
 * {@code ExportTraceServiceRequest} and decodes the spans by the field numbers of
 * opentelemetry-proto's {@code trace.proto} (so the test does not trust the SDK's own encoder).
 */
final class OtlpReceiver implements AutoCloseable {

    /** One received span; ids in lower-case hex, parent empty for a root. */
    record ExportedSpan(String traceId, String spanId, String parentSpanId, String traceState, String name, int kind,
            Map<String, Object> attributes, int statusCode) {
        static final int SERVER = 2;
        static final int CLIENT = 3;

        Object attr(String key) {
            return attributes.get(key);
        }
    }

    final ConcurrentLinkedQueue<ExportedSpan> spans = new ConcurrentLinkedQueue<>();
    final ConcurrentLinkedQueue<String> contentTypes = new ConcurrentLinkedQueue<>();
    private final HttpServer server;

    OtlpReceiver() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
        server.createContext("/v1/traces", this::handle);
        server.start();
    }

    String baseUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    List<ExportedSpan> trace(String traceId) {
        return spans.stream().filter(s -> s.traceId().equals(traceId)).toList();
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            if (!"POST".equals(ex.getRequestMethod())) {
                ex.sendResponseHeaders(405, -1);
                return;
            }
            contentTypes.add(String.valueOf(ex.getRequestHeaders().getFirst("Content-Type")));
            InputStream in = ex.getRequestBody();
            if ("gzip".equalsIgnoreCase(ex.getRequestHeaders().getFirst("Content-Encoding"))) {
                in = new GZIPInputStream(in);
            }
            try {
                decode(in.readAllBytes());
            } catch (InvalidProtocolBufferException e) {
                ex.sendResponseHeaders(400, -1);
                return;
            }
            ex.getResponseHeaders().set("Content-Type", "application/x-protobuf");
            ex.sendResponseHeaders(200, -1); // an empty ExportTraceServiceResponse: full success
        }
    }

    private void decode(byte[] body) throws InvalidProtocolBufferException {
        UnknownFieldSet request = UnknownFieldSet.parseFrom(body);
        for (ByteString resourceSpans : bytes(request, 1)) {
            for (ByteString scopeSpans : bytes(UnknownFieldSet.parseFrom(resourceSpans), 2)) {
                for (ByteString span : bytes(UnknownFieldSet.parseFrom(scopeSpans), 2)) {
                    spans.add(span(UnknownFieldSet.parseFrom(span)));
                }
            }
        }
    }

    private static ExportedSpan span(UnknownFieldSet s) throws InvalidProtocolBufferException {
        Map<String, Object> attributes = new HashMap<>();
        for (ByteString kv : bytes(s, 9)) {
            UnknownFieldSet keyValue = UnknownFieldSet.parseFrom(kv);
            String key = first(keyValue, 1).toStringUtf8();
            UnknownFieldSet value = UnknownFieldSet.parseFrom(first(keyValue, 2));
            if (value.hasField(1)) {
                attributes.put(key, first(value, 1).toStringUtf8());
            } else if (value.hasField(2)) {
                attributes.put(key, value.getField(2).getVarintList().getFirst() != 0);
            } else if (value.hasField(3)) {
                attributes.put(key, value.getField(3).getVarintList().getFirst());
            }
        }
        int kind = s.hasField(6) ? s.getField(6).getVarintList().getFirst().intValue() : 0;
        int status = 0;
        if (s.hasField(15)) {
            UnknownFieldSet st = UnknownFieldSet.parseFrom(first(s, 15));
            status = st.hasField(3) ? st.getField(3).getVarintList().getFirst().intValue() : 0;
        }
        return new ExportedSpan(hex(first(s, 1)), hex(first(s, 2)), hex(first(s, 4)), first(s, 3).toStringUtf8(),
                first(s, 5).toStringUtf8(), kind, attributes, status);
    }

    private static List<ByteString> bytes(UnknownFieldSet set, int field) {
        return set.hasField(field) ? set.getField(field).getLengthDelimitedList() : List.of();
    }

    private static ByteString first(UnknownFieldSet set, int field) {
        List<ByteString> l = bytes(set, field);
        return l.isEmpty() ? ByteString.EMPTY : l.getFirst();
    }

    private static String hex(ByteString b) {
        return HexFormat.of().formatHex(b.toByteArray());
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
