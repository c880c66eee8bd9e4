package io.trellis.proxy.core.admin;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The standard endpoint sets of the three operator ports, built from pluggable parts. */
public final class AdminEndpoints {

    private static final Logger LOG = LoggerFactory.getLogger(AdminEndpoints.class);

    /** Prometheus text exposition format 0.0.4. */
    static final String PROMETHEUS = "text/plain; version=0.0.4; charset=utf-8";

    /**
     * Built on the first JSON answer, not when the admin server starts: Jackson's databind is ~300 classes (~2 MB
     * of class metadata in every proxy) that only an operator's {@code /config_dump} or {@code /certs} needs.
     */
    private static final class Json {
        static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
                .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS);
    }

    private AdminEndpoints() {}

    /**
     * Port 15000 (bind it to loopback only).
     *
     * <ul>
     *   <li>{@code GET /config_dump}: {@code configDump} as JSON (maps, lists, records, strings, numbers);</li>
     *   <li>{@code GET /certs}: {@code certs} as JSON;</li>
     *   <li>{@code GET /logging}: the levels; {@code POST /logging?level=debug} sets the root level,
     *       {@code POST /logging?io.trellis.node=debug} one logger's;</li>
     *   <li>{@code POST /quitquitquit}: answers, then runs {@code shutdown} on a thread of its own.</li>
     * </ul>
     */
    public static AdminRoutes admin(Supplier<?> configDump, Supplier<?> certs, LogLevels logLevels,
                                    Runnable shutdown) {
        return new AdminRoutes()
                .get("/config_dump", r -> json(configDump.get()))
                .get("/certs", r -> json(certs.get()))
                .get("/logging", r -> json(logLevels.levels()))
                .post("/logging", r -> setLevels(logLevels, r))
                .post("/quitquitquit", r -> {
                    LOG.info("event=quitquitquit");
                    // not on the admin loop: shutting down may close this very server and wait for its loop
                    Thread.ofPlatform().name("trellis-quit").start(shutdown);
                    return AdminResponse.text(200, "OK\n");
                });
    }

    /** Port 15020: {@code GET /stats/prometheus}. */
    public static AdminRoutes metrics(PrometheusMeterRegistry registry) {
        return new AdminRoutes().get("/stats/prometheus", r -> new AdminResponse(200, PROMETHEUS,
                registry.scrape().getBytes(StandardCharsets.UTF_8)));
    }

    /** Port 15021: {@code GET /healthz/ready}, 200 once {@code readiness} holds, else 503 with the reason. */
    public static AdminRoutes readiness(Readiness readiness) {
        return new AdminRoutes().get("/healthz/ready", r -> {
            String why = readiness.notReadyReason();
            return why == null ? AdminResponse.text(200, "ready\n") : AdminResponse.text(503, "not ready: " + why
                    + "\n");
        });
    }

    private static AdminResponse setLevels(LogLevels levels, AdminRequest r) {
        if (r.params().isEmpty()) {
            return AdminResponse.text(400, "say what to change: ?level=<level> for all loggers or "
                    + "?<logger>=<level> for one\n");
        }
        for (List<String> values : r.params().values()) {
            try {
                levels.validate(values.isEmpty() ? "" : values.getLast());
            } catch (IllegalArgumentException ex) {
                return AdminResponse.text(400, ex.getMessage() + "\n"); // nothing changed
            }
        }
        StringBuilder done = new StringBuilder();
        for (Map.Entry<String, List<String>> e : r.params().entrySet()) {
            String logger = e.getKey().equals("level") ? org.slf4j.Logger.ROOT_LOGGER_NAME : e.getKey();
            String level = e.getValue().isEmpty() ? "" : e.getValue().getLast();
            levels.set(logger, level);
            LOG.info("event=log_level_changed logger={} level={}", logger, level);
            done.append(logger).append('=').append(level.toLowerCase(java.util.Locale.ROOT)).append('\n');
        }
        return AdminResponse.text(200, done.toString());
    }

    private static AdminResponse json(Object value) throws JsonProcessingException {
        return new AdminResponse(200, AdminResponse.JSON, Json.MAPPER.writeValueAsBytes(value));
    }
}
