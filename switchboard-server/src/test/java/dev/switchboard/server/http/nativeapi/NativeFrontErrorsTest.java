package dev.switchboard.server.http.nativeapi;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.server.Switchboard;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Under /api/ every error, the shared front's included, has the native {code, message} shape. */
class NativeFrontErrorsTest {
    private static Switchboard sb;
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @BeforeAll
    static void start() {
        sb = Switchboard.builder().port(0).authToken("s3cret").httpMaxBodyBytes(2048)
                .shutdownTimeout(Duration.ofSeconds(1)).start();
    }

    @AfterAll
    static void stop() {
        sb.close();
    }

    private static HttpResponse<String> send(HttpRequest.Builder b) throws Exception {
        return HTTP.send(b.timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpRequest.Builder at(String path) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + sb.port() + path));
    }

    @Test
    void frontErrorsUseTheNativeShape() throws Exception {
        HttpResponse<String> unauthorized = send(at("/api/v1/stats"));
        assertThat(unauthorized.statusCode()).isEqualTo(401);
        assertThat(unauthorized.body()).startsWith("{\"code\":\"unauthorized\",\"message\":");

        HttpResponse<String> unknown = send(at("/api/v1/nope").header("Authorization", "Bearer s3cret"));
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(unknown.body()).startsWith("{\"code\":\"not_found\",\"message\":");

        HttpResponse<String> tooLarge = send(at("/api/v1/sessions").header("Authorization", "Bearer s3cret")
                .POST(HttpRequest.BodyPublishers.ofString("x".repeat(5000))));
        assertThat(tooLarge.statusCode()).isEqualTo(413);
        assertThat(tooLarge.body()).startsWith("{\"code\":\"frame_too_large\",\"message\":");
    }

    @Test
    void theDflockdApiKeepsItsOwnShape() throws Exception {
        HttpResponse<String> unauthorized = send(at("/v1/stats"));
        assertThat(unauthorized.statusCode()).isEqualTo(401);
        assertThat(unauthorized.body()).isEqualTo("{\"error\":\"unauthorized\"}\n");
    }
}
