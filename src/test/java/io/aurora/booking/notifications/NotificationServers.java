package io.aurora.booking.notifications;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import io.aurora.booking.testing.TestServices;
import io.vertx.core.Vertx;

import java.util.HashMap;
import java.util.Map;

/**
 * The real servers notifications go to in a test: a webhook receiver (failing each message's first
 * {@code failuresPerMessage} deliveries) and an SMTP server (GreenMail), with the app settings that point at
 * them and retry fast.
 */
public record NotificationServers(WebhookReceiver receiver, GreenMail smtp) implements AutoCloseable {

  public static NotificationServers start(Vertx vertx, int failuresPerMessage) {
    WebhookReceiver receiver = new WebhookReceiver(vertx, failuresPerMessage);
    GreenMail smtp = new GreenMail(new ServerSetup(TestServices.freePort(), "127.0.0.1", "smtp"));
    smtp.start();
    return new NotificationServers(receiver, smtp);
  }

  /** The app's settings for these servers (private addresses allowed, quick retries), plus {@code more}. */
  public Map<String, Object> appSettings(Map<String, Object> more) {
    Map<String, Object> settings = new HashMap<>(Map.of(
        "webhookAllowPrivateNetworks", true,
        "notificationRetryBaseMillis", 100,
        "notificationRetryMaxMillis", 400,
        "notificationPollMillis", 50,
        "smtpUrl", "smtp://127.0.0.1:" + smtp.getSmtp().getPort(),
        "mailFrom", "bookings@test.local"));
    settings.putAll(more);
    return settings;
  }

  @Override
  public void close() {
    try {
      receiver.close();
    } finally {
      smtp.stop();
    }
  }
}
