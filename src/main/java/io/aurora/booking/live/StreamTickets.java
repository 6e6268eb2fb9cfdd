package io.aurora.booking.live;

import io.aurora.booking.auth.Caller;
import io.aurora.booking.auth.Role;
import io.aurora.booking.http.ErrorCode;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.regex.Pattern;

/**
 * Stream tickets: a browser's {@code EventSource} cannot send an {@code Authorization} header, and a
 * long-lived token in a URL ends up in logs and histories. So the owner of a job asks for a ticket with
 * their token, and opens the stream with {@code ?ticket=}: 256 random bits, good for one stream of that one
 * job, within {@link #TTL_SECONDS}. Kept in Redis (any node of a cluster redeems it), under its SHA-256 (a
 * copy of Redis holds no usable ticket), and taken with GETDEL: a ticket is spent by its first use.
 */
final class StreamTickets {

  static final int TTL_SECONDS = 30;
  private static final String KEY_PREFIX = "stream-ticket:";
  private static final Pattern TICKET = Pattern.compile("^[A-Za-z0-9_-]{43}$");
  private static final Base64.Encoder URL_SAFE = Base64.getUrlEncoder().withoutPadding();

  private final Redis redis;
  private final SecureRandom random = new SecureRandom();

  StreamTickets(Redis redis) {
    this.redis = redis;
  }

  /** A new ticket for {@code caller} to follow {@code jobId}. */
  Future<String> issue(Caller caller, String jobId) {
    byte[] bits = new byte[32];
    random.nextBytes(bits);
    String ticket = URL_SAFE.encodeToString(bits);
    JsonObject holder = new JsonObject().put("jobId", jobId).put("userId", caller.id()).put("email", caller.email())
        .put("role", caller.role().name()).put("generation", caller.generation()).put("session", caller.session());
    return redis.send(Request.cmd(Command.SET).arg(key(ticket)).arg(holder.encode()).arg("EX").arg(TTL_SECONDS).arg("NX"))
        .map(ticket);
  }

  /** The caller the ticket was issued to; 401 when it is malformed, unknown, spent, expired or for another job. */
  Future<Caller> redeem(String ticket, String jobId) {
    if (!TICKET.matcher(ticket).matches()) {
      return Future.failedFuture(refused());
    }
    return redis.send(Request.cmd(Command.GETDEL).arg(key(ticket))).compose(stored -> {
      if (stored == null) {
        return Future.failedFuture(refused());
      }
      JsonObject holder = new JsonObject(stored.toString());
      if (!jobId.equals(holder.getString("jobId"))) {
        return Future.failedFuture(refused());
      }
      return Future.succeededFuture(new Caller(holder.getLong("userId"), holder.getString("email"),
          Role.valueOf(holder.getString("role")), holder.getInteger("generation"), holder.getString("session")));
    });
  }

  private static RuntimeException refused() {
    return ErrorCode.UNAUTHORIZED.error("The stream ticket is invalid, already used or expired; ask for a new one");
  }

  private static String key(String ticket) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(ticket.getBytes(StandardCharsets.US_ASCII));
      return KEY_PREFIX + URL_SAFE.encodeToString(digest);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
