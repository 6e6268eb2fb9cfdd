package io.aurora.booking.admin;

import io.aurora.booking.testing.TestApp;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import static io.aurora.booking.testing.ApiAssertions.assertError;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** How the console's files are served, over plain HTTP; what the page does is AdminConsoleBrowserTest's. */
@ExtendWith(VertxExtension.class)
class AdminConsolePageTest {

  private static TestApp app;

  @BeforeAll
  static void deploy(Vertx vertx) {
    app = TestApp.start(vertx);
  }

  @AfterAll
  static void undeploy() {
    app.close();
  }

  private static HttpResponse<Buffer> fetch(String path) {
    return TestApp.await(app.http.request(HttpMethod.GET, path).followRedirects(false).send());
  }

  @Test
  void adminWithoutTheSlashRedirectsToThePage() {
    HttpResponse<Buffer> redirect = fetch("/admin");
    assertEquals(302, redirect.statusCode());
    assertEquals("/admin/", redirect.getHeader("Location"));
  }

  @Test
  void thePageAndItsFilesAreServedWithTheirTypesAndLockedDownHeaders() {
    HttpResponse<Buffer> page = fetch("/admin/");
    assertEquals(200, page.statusCode(), page.bodyAsString());
    assertTrue(page.getHeader("Content-Type").startsWith("text/html"), page.getHeader("Content-Type"));
    assertTrue(page.bodyAsString().contains("data-testid=\"console-view\""));
    String csp = page.getHeader("Content-Security-Policy");
    assertTrue(csp.contains("default-src 'self'"), csp);
    assertTrue(csp.contains("frame-ancestors 'none'"), csp);
    assertEquals("nosniff", page.getHeader("X-Content-Type-Options"));
    assertEquals("DENY", page.getHeader("X-Frame-Options"));
    assertEquals("no-referrer", page.getHeader("Referrer-Policy"));

    assertEquals(200, fetch("/admin/index.html").statusCode());
    HttpResponse<Buffer> script = fetch("/admin/app.js");
    assertEquals(200, script.statusCode());
    assertTrue(script.getHeader("Content-Type").contains("javascript"), script.getHeader("Content-Type"));
    // The chart library (uPlot, MIT), vendored: served from the jar like the page, nothing from elsewhere.
    HttpResponse<Buffer> charts = fetch("/admin/uplot.min.js");
    assertEquals(200, charts.statusCode());
    assertTrue(charts.getHeader("Content-Type").contains("javascript"), charts.getHeader("Content-Type"));
    assertEquals(200, fetch("/admin/uplot.min.css").statusCode());
    HttpResponse<Buffer> style = fetch("/admin/console.css");
    assertEquals(200, style.statusCode());
    assertTrue(style.getHeader("Content-Type").startsWith("text/css"), style.getHeader("Content-Type"));
  }

  @Test
  void aMissingFileOrAnEscapeFromTheWebrootIsTheApisJson404() {
    assertError(fetch("/admin/nothing-here.js"), 404, "NOT_FOUND");
    assertError(fetch("/admin/../../logback.xml"), 404, "NOT_FOUND");
    assertError(fetch("/admin/%2e%2e/%2e%2e/logback.xml"), 404, "NOT_FOUND");
  }

  @Test
  void theApiIsUnchangedBesideThePage() {
    assertError(fetch("/api/admin/queue/stats"), 401, "UNAUTHORIZED");
    assertError(fetch("/nothing-here"), 404, "NOT_FOUND");
    assertEquals(200, fetch("/health").statusCode());
  }
}
