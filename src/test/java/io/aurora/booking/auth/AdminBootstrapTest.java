package io.aurora.booking.auth;

import io.aurora.booking.BookingApp;
import io.aurora.booking.testing.ContractCheck;
import io.aurora.booking.testing.TestApp;
import io.aurora.booking.testing.TestDb;
import io.aurora.booking.testing.TestServices;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import io.vertx.junit5.VertxExtension;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.aurora.booking.testing.TestApp.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The generated admin password is shown once, so the admin is only created by a start that gets as far
 * as showing it: a start that cannot listen leaves no admin behind, and says which port it wanted.
 */
@ExtendWith(VertxExtension.class)
class AdminBootstrapTest {

  private static final Pattern SHOWN = Pattern.compile("Generated admin password \\(shown once, keep it\\): (\\S+)");

  @Test
  void aStartThatCannotListenNamesThePortAndLeavesNoAdminWhosePasswordNobodySaw(Vertx vertx) throws Exception {
    TestServices services = TestServices.get();
    String pgUrl = services.newDatabase();
    Pool db = PgBuilder.pool().connectingTo(PgConnectOptions.fromUri(pgUrl)).using(vertx).build();
    try {
      int port = TestServices.freePort();
      JsonObject config = TestApp.baseConfig(pgUrl, services.newRedisDb()).put("httpPort", port).put("adminPassword", "");
      try (ServerSocket taken = new ServerSocket(port, 50, InetAddress.getByName("127.0.0.1"))) {
        RuntimeException refused = assertThrows(RuntimeException.class,
            () -> await(vertx.deployVerticle(new BookingApp(), new DeploymentOptions().setConfig(config))));
        assertTrue(refused.getMessage().contains("127.0.0.1:" + port), refused.getMessage());
        assertTrue(refused.getMessage().contains("already in use"), refused.getMessage());
      }
      assertEquals(0, TestDb.queryLong(db, "SELECT count(*) FROM users WHERE role = 'ADMIN'"), "no admin whose password nobody saw");

      // The port is free again: the admin is made, its password shown, and it works.
      String console = captureConsole(() -> await(vertx.deployVerticle(new BookingApp(), new DeploymentOptions().setConfig(config))));
      Matcher shown = SHOWN.matcher(console);
      assertTrue(shown.find(), console);
      assertEquals(1, TestDb.queryLong(db, "SELECT count(*) FROM users WHERE role = 'ADMIN'"));
      WebClient http = ContractCheck.attach(vertx, WebClient.create(vertx));
      int status = await(http.post(port, "127.0.0.1", "/api/auth/login").sendJsonObject(new JsonObject()
          .put("email", TestApp.ADMIN_EMAIL).put("password", shown.group(1)))).statusCode();
      assertEquals(200, status, "the password shown is the admin's");
      http.close();
    } finally {
      await(db.close());
      services.dropDatabase(pgUrl);
    }
  }

  private static String captureConsole(Runnable action) {
    PrintStream console = System.out;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
    try {
      action.run();
    } finally {
      System.setOut(console);
    }
    return captured.toString(StandardCharsets.UTF_8);
  }
}
