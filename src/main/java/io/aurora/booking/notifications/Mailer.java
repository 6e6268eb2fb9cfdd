package io.aurora.booking.notifications;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mail.LoginOption;
import io.vertx.ext.mail.MailClient;
import io.vertx.ext.mail.MailConfig;
import io.vertx.ext.mail.MailMessage;
import io.vertx.ext.mail.StartTLSOptions;

import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * The users' emails: one message per notification, plain text and HTML, through the SMTP server of
 * {@code smtpUrl} ({@code smtp://[user:password@]host:port}, {@code smtps://} for TLS from the first byte).
 */
public final class Mailer {

  private final MailClient client;
  private final String from;

  private Mailer(MailClient client, String from) {
    this.client = client;
    this.from = from;
  }

  /** A mailer for {@code smtpUrl}; null when the URL is empty (email is off). */
  public static Mailer create(Vertx vertx, String smtpUrl, String from, int timeoutMillis) {
    if (smtpUrl == null || smtpUrl.isBlank()) {
      return null;
    }
    return new Mailer(MailClient.create(vertx, mailConfig(smtpUrl).setConnectTimeout(timeoutMillis)), from);
  }

  /** The mail client's settings from an {@code smtp://} or {@code smtps://} URL. */
  static MailConfig mailConfig(String smtpUrl) {
    URI uri = URI.create(smtpUrl);
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("smtp") && !scheme.equals("smtps") || uri.getHost() == null) {
      throw new IllegalArgumentException("smtpUrl must be smtp://[user:password@]host:port or smtps://...");
    }
    boolean tls = scheme.equals("smtps");
    MailConfig config = new MailConfig()
        .setHostname(uri.getHost())
        .setPort(uri.getPort() > 0 ? uri.getPort() : tls ? 465 : 25)
        .setSsl(tls)
        .setStarttls(tls ? StartTLSOptions.DISABLED : StartTLSOptions.OPTIONAL);
    String userInfo = uri.getRawUserInfo();
    if (userInfo == null) {
      config.setLogin(LoginOption.DISABLED);
    } else {
      int colon = userInfo.indexOf(':');
      config.setLogin(LoginOption.REQUIRED)
          .setUsername(URLDecoder.decode(colon < 0 ? userInfo : userInfo.substring(0, colon), StandardCharsets.UTF_8))
          .setPassword(colon < 0 ? "" : URLDecoder.decode(userInfo.substring(colon + 1), StandardCharsets.UTF_8));
    }
    return config;
  }

  /** Sends the message of one notification (its stored payload) to {@code to}. */
  public Future<Void> send(String to, String name, JsonObject payload) {
    return client.sendMail(message(from, to, name, payload)).mapEmpty();
  }

  public Future<Void> close() {
    return client.close();
  }

  /** The message of a notification: a subject and the same words as plain text and as HTML. */
  static MailMessage message(String from, String to, String name, JsonObject payload) {
    JsonObject data = payload.getJsonObject("data", new JsonObject());
    String type = payload.getString("type", "");
    String subject;
    String line;
    switch (type) {
      case "booking.confirmed" -> {
        subject = "Your booking is confirmed";
        line = "Your booking " + data.getValue("bookingId") + " for event " + data.getValue("eventId") + " is confirmed ("
            + data.getValue("seats") + " seat(s)).";
      }
      case "booking.cancelled" -> {
        subject = "Your booking was cancelled";
        line = "Your booking " + data.getValue("bookingId") + " for event " + data.getValue("eventId") + " was cancelled.";
      }
      case "booking.waitlisted" -> {
        subject = "You are on the waitlist";
        line = "Event " + data.getValue("eventId") + " is sold out. You hold place " + data.getValue("position")
            + " on its waitlist and will be booked when a seat is freed.";
      }
      case "booking.promoted" -> {
        subject = "A seat was freed: your booking is confirmed";
        line = "A seat of event " + data.getValue("eventId") + " was freed and went to you from the waitlist: your booking "
            + data.getValue("bookingId") + " is confirmed (" + data.getValue("seats") + " seat(s)).";
      }
      case "booking.failed" -> {
        subject = "Your booking could not be made";
        line = "Your booking request for event " + data.getValue("eventId") + " could not be made: "
            + data.getString("message", data.getString("reason", "")) + ".";
      }
      default -> {
        subject = "About your booking";
        line = "There is news about your booking request " + data.getValue("jobId") + " (" + type + ").";
      }
    }
    String greeting = "Hello " + (name == null ? "" : name) + ",";
    String reference = "Reference: " + data.getValue("jobId");
    return new MailMessage()
        .setFrom(from)
        .setTo(to)
        .setSubject(subject)
        .setText(greeting + "\n\n" + line + "\n\n" + reference + "\n")
        .setHtml("<p>" + escape(greeting) + "</p><p>" + escape(line) + "</p><p><small>" + escape(reference) + "</small></p>");
  }

  private static String escape(String text) {
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
  }
}
