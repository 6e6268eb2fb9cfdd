package io.aurora.booking.testing;

import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A test class whose tests share one application with the default test settings ({@link TestApp#start(Vertx)}),
 * started before the first test and closed after the last. (Test classes run one after the other.)
 */
@ExtendWith(VertxExtension.class)
public abstract class OneAppPerClass {

  protected static TestApp app;

  @BeforeAll
  static void startApp(Vertx vertx) {
    app = TestApp.start(vertx);
  }

  @AfterAll
  static void closeApp() {
    app.close();
  }
}
