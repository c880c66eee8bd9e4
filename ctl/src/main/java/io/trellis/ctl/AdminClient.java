package io.trellis.ctl;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** GETs JSON from a proxy's admin port (15000), which proxies bind to loopback: port-forward or exec to reach it. */
final class AdminClient {

    static final int ADMIN_PORT = 15000;

    private AdminClient() {}

    static JsonNode get(String proxy, String path) throws CtlException {
        HostPort target = HostPort.parse(proxy, ADMIN_PORT);
        URI uri = URI.create("http://" + target + path);
        try (HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build()) {
            HttpResponse<String> response = client.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10))
                    .GET().build(), HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                throw new CtlException(uri + " answered " + response.statusCode() + ": " + response.body().strip());
            }
            return Output.JSON.readTree(response.body());
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new CtlException(uri + " did not answer JSON: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new CtlException("cannot reach the proxy's admin port at " + uri + " (" + e.getMessage()
                    + "): the admin port listens on loopback; use 'kubectl port-forward' or the lab's exec", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CtlException("interrupted", e);
        }
    }
}
