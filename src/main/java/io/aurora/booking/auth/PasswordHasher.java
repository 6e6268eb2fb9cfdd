package io.aurora.booking.auth;

import at.favre.lib.crypto.bcrypt.BCrypt;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

import java.nio.charset.StandardCharsets;

/**
 * bcrypt, salted and deliberately slow. Hashing takes tens of milliseconds by design, so it always runs
 * on the worker pool, never on an event loop.
 */
public final class PasswordHasher {

  /** bcrypt reads at most 72 bytes; longer passwords would be silently truncated, so they are refused. */
  public static final int MAX_PASSWORD_BYTES = 72;

  private final Vertx vertx;
  private final int cost;
  /** Verified against when the email is unknown, so login timing does not reveal which emails exist. */
  private volatile String dummyHash;

  public PasswordHasher(Vertx vertx, int cost) {
    this.vertx = vertx;
    this.cost = cost;
  }

  public Future<String> hash(String password) {
    return vertx.executeBlocking(() -> BCrypt.withDefaults().hashToString(cost, password.toCharArray()), false);
  }

  /** True when {@code password} matches {@code hash}; with a null hash it spends the same time and says false. */
  public Future<Boolean> verify(String password, String hash) {
    return vertx.executeBlocking(() -> {
      if (hash == null && dummyHash == null) {
        dummyHash = BCrypt.withDefaults().hashToString(cost, "not-a-real-password".toCharArray());
      }
      try {
        boolean ok = BCrypt.verifyer().verify(password.toCharArray(), hash == null ? dummyHash : hash).verified;
        return ok && hash != null;
      } catch (IllegalArgumentException notABcryptHash) {
        return false;
      }
    }, false);
  }

  static boolean fitsBcrypt(String password) {
    return password.getBytes(StandardCharsets.UTF_8).length <= MAX_PASSWORD_BYTES;
  }
}
