package io.aurora.booking.infra;

import io.aurora.booking.testing.TestApp;
import io.aurora.booking.testing.TestServices;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.core.net.SelfSignedCertificate;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static io.aurora.booking.testing.TestApp.await;
import static io.aurora.booking.testing.TestApp.awaitCondition;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The service on a real Redis that speaks TLS only to it ({@code redisTls}): the redis-server the embedded
 * library ships, with a plain port for the test's own inspection and a TLS port for the service, its
 * certificate self-signed for {@code localhost}. Trusted through {@code redisTlsCaFile}, the service books
 * over TLS; a certificate the service does not trust, or one that names another host than the URL's, is
 * refused: the service is not ready and answers 503 (a login, which needs Redis), and writes nothing there.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RedisTlsTest {

  private Vertx vertx;
  private Path dir;
  private SelfSignedCertificate certificate;
  private Process redis;
  private int plainPort;
  private int tlsPort;

  @BeforeAll
  void start() throws IOException {
    vertx = Vertx.vertx();
    dir = Files.createTempDirectory("aurora-test-redis-tls");
    certificate = SelfSignedCertificate.create("localhost");
    plainPort = TestServices.freePort();
    tlsPort = TestServices.freePort();
    redis = new ProcessBuilder(EmbeddedRedisServer.binary().getAbsolutePath(), "--bind", "127.0.0.1",
        "--port", Integer.toString(plainPort), "--tls-port", Integer.toString(tlsPort),
        "--tls-cert-file", certificate.certificatePath(), "--tls-key-file", certificate.privateKeyPath(),
        "--tls-auth-clients", "no", "--dir", dir.toString(), "--save", "", "--appendonly", "no")
        .directory(dir.toFile()).redirectErrorStream(true).redirectOutput(dir.resolve("redis.log").toFile()).start();
    awaitCondition("Redis to listen on both ports", Duration.ofSeconds(30), () -> listening(plainPort) && listening(tlsPort));
  }

  @AfterAll
  void stop() throws Exception {
    try {
      if (redis != null) {
        redis.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
      }
      if (certificate != null) {
        certificate.delete();
      }
      if (dir != null) {
        try (Stream<Path> files = Files.walk(dir)) {
          files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
      }
    } finally {
      await(vertx.close());
    }
  }

  @Test
  void aTrustedCertificateCarriesTheBookingsOverTls() {
    String pgUrl = TestServices.get().newDatabase();
    try (TestApp app = TestApp.start(vertx, tlsConfig(pgUrl, "localhost", certificate.certificatePath()), pgUrl, plainUrl())) {
      long eventId = app.createEvent(1);
      String jobId = app.bookJob(app.user().token(), eventId);
      assertEquals("completed", app.awaitJob(jobId).getString("status"));
      assertEquals(1, app.queryLong("SELECT count(*) FROM bookings WHERE job_id = $1", jobId));
      // The job went through this Redis, the only one the service knows, over its TLS port: its record is there.
      Redis plain = Redis.createClient(vertx, plainUrl());
      try {
        assertTrue(await(plain.send(Request.cmd(Command.DBSIZE))).toLong() > 0, "the service's keys are in the TLS Redis");
      } finally {
        plain.close();
      }
    }
  }

  @Test
  void aCertificateTheServiceDoesNotTrustIsRefused() {
    // Without redisTlsCaFile the JVM's trust store decides: it does not know this self-signed certificate.
    assertRefused("localhost", "");
  }

  @Test
  void aCertificateOfAnotherHostIsRefused() {
    // Trusted, but issued to localhost while the URL names 127.0.0.1: refused by the host name check.
    assertRefused("127.0.0.1", certificate.certificatePath());
  }

  /**
   * The service starts (Redis may come later), but reaches no Redis through a refused TLS handshake: it is not
   * ready, a login is answered 503, and nothing was written to the Redis.
   */
  private void assertRefused(String host, String caFile) {
    String pgUrl = TestServices.get().newDatabase();
    try (TestApp app = TestApp.start(vertx, tlsConfig(pgUrl, host, caFile), pgUrl, plainUrl())) {
      assertEquals(503, app.get("/ready", null).statusCode());
      // Even a login needs Redis (its lockout counters): answered 503, as every call that needs Redis is.
      HttpResponse<Buffer> login = app.post("/api/auth/login", null,
          new JsonObject().put("email", TestApp.ADMIN_EMAIL).put("password", TestApp.ADMIN_PASSWORD));
      assertEquals(503, login.statusCode(), login.bodyAsString());
      assertEquals("SERVICE_UNAVAILABLE", login.bodyAsJsonObject().getString("error"));
      Redis plain = Redis.createClient(vertx, plainUrl());
      try {
        assertEquals(0, await(plain.send(Request.cmd(Command.DBSIZE))).toLong(), "nothing reached the Redis");
      } finally {
        plain.close();
      }
    }
  }

  private JsonObject tlsConfig(String pgUrl, String host, String caFile) {
    return TestApp.baseConfig(pgUrl, "rediss://" + host + ":" + tlsPort + "/0")
        .put("redisTls", true).put("redisTlsCaFile", caFile).put("connectTimeoutMillis", 2_000);
  }

  private String plainUrl() {
    return "redis://127.0.0.1:" + plainPort + "/0";
  }

  private static boolean listening(int port) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", port), 500);
      return true;
    } catch (IOException e) {
      return false;
    }
  }
}
