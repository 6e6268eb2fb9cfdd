package io.aurora.booking.config;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * One HS256 key of the token keys: its id (the {@code kid} header of the tokens it signs) and its secret.
 *
 * @param id     letters, digits, {@code . _ -}; at most 64 characters
 * @param secret at least {@link #MIN_SECRET_BYTES} bytes
 */
public record JwtKey(String id, String secret) {

  /** The id of the single key {@code jwtSecret} stands for (and the id to give it when moving to {@code jwtKeys}). */
  public static final String DEFAULT_ID = "default";
  public static final int MIN_SECRET_BYTES = 32;

  @Override
  public String toString() {
    return "JwtKey[" + id + "]";
  }

  /**
   * {@code jwtKeys}: entries {@code id:secret}, separated by commas or line breaks (a secret file may hold
   * one per line); the first one signs. Fails with a one-line message naming the key at fault, never the
   * secret.
   */
  static List<JwtKey> parseList(String list) {
    List<JwtKey> keys = new ArrayList<>();
    Set<String> ids = new HashSet<>();
    for (String entry : list.split("[,\\r\\n]+")) {
      String trimmed = entry.strip();
      if (trimmed.isEmpty()) {
        continue;
      }
      int colon = trimmed.indexOf(':');
      String id = colon < 0 ? "" : trimmed.substring(0, colon);
      if (!id.matches("[A-Za-z0-9._-]{1,64}")) {
        throw new IllegalArgumentException("jwtKeys (BOOKING_JWT_KEYS) entries must be id:secret, the id made of letters,"
            + " digits, '.', '_' or '-' (at most 64); entry " + (keys.size() + 1) + " is not");
      }
      String secret = trimmed.substring(colon + 1);
      if (secret.getBytes(StandardCharsets.UTF_8).length < MIN_SECRET_BYTES) {
        throw new IllegalArgumentException("jwtKeys (BOOKING_JWT_KEYS): the secret of key '" + id + "' must be at least "
            + MIN_SECRET_BYTES + " bytes long");
      }
      if (!ids.add(id)) {
        throw new IllegalArgumentException("jwtKeys (BOOKING_JWT_KEYS): key id '" + id + "' is listed twice");
      }
      keys.add(new JwtKey(id, secret));
    }
    if (keys.isEmpty()) {
      throw new IllegalArgumentException("jwtKeys (BOOKING_JWT_KEYS) lists no key");
    }
    return List.copyOf(keys);
  }
}
