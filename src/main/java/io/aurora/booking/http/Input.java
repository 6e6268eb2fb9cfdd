package io.aurora.booking.http;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

import java.text.Normalizer;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/** Reads and validates request input; every mistake becomes a 400 that names the field. */
public final class Input {

  private static final Pattern EMAIL = Pattern.compile("^[^@\\s]{1,64}@[^@\\s]+\\.[^@\\s]+$");
  private static final Pattern ID = Pattern.compile("^[1-9][0-9]{0,17}$");
  /**
   * Four-digit years only. java.time parses years up to +999999999, and the PostgreSQL client silently
   * overflows far-off instants into garbage instead of failing, so the range is checked here.
   */
  private static final Instant EARLIEST = Instant.parse("0001-01-01T00:00:00Z");
  private static final Instant LATEST = Instant.parse("9999-12-31T23:59:59.999999Z");

  private Input() {
  }

  /** The body as a JSON object; an empty body reads as {@code {}} only when {@code optional}. */
  public static JsonObject jsonBody(RoutingContext ctx, boolean optional) {
    String raw = ctx.body() == null ? null : ctx.body().asString();
    if (raw == null || raw.isBlank()) {
      if (optional) {
        return new JsonObject();
      }
      throw ErrorCode.INVALID_JSON.error("A JSON object body is required");
    }
    try {
      Object parsed = io.vertx.core.json.Json.decodeValue(raw);
      if (parsed instanceof JsonObject object) {
        return object;
      }
    } catch (DecodeException e) {
      throw ErrorCode.INVALID_JSON.error("Request body is not valid JSON");
    }
    throw ErrorCode.INVALID_JSON.error("Request body must be a JSON object");
  }

  public static long pathId(RoutingContext ctx, String name) {
    String raw = ctx.pathParam(name);
    if (raw == null || !ID.matcher(raw).matches()) {
      throw ErrorCode.VALIDATION_FAILED.error("'" + name + "' must be a positive whole number");
    }
    return Long.parseLong(raw);
  }

  /** The field's value; null when absent and not {@code required}. */
  private static Object value(JsonObject body, String field, boolean required) {
    Object value = body.getValue(field);
    if (value == null && required) {
      throw ErrorCode.VALIDATION_FAILED.error("'" + field + "' is required");
    }
    return value;
  }

  public static String string(JsonObject body, String field, int min, int max, boolean required) {
    Object value = value(body, field, required);
    if (value == null) {
      return null;
    }
    if (!(value instanceof String s)) {
      throw ErrorCode.VALIDATION_FAILED.error("'" + field + "' must be a string");
    }
    String trimmed = s.strip();
    if (trimmed.length() < min || trimmed.length() > max) {
      throw ErrorCode.VALIDATION_FAILED.error("'" + field + "' must be " + min + " to " + max + " characters long");
    }
    // PostgreSQL text cannot hold U+0000: let through, it fails the INSERT and the client gets a 500.
    if (trimmed.indexOf('\0') >= 0) {
      throw ErrorCode.VALIDATION_FAILED.error("'" + field + "' must not contain NUL characters");
    }
    return trimmed;
  }

  /**
   * An e-mail address in the one form an account is known by: NFKC-normalised (full-width and other
   * compatibility forms become their plain letters, so "ａｄｍｉｎ@…" is admin's address, not a look-alike
   * account), trimmed, lower-cased. Refused: invisible characters (zero-width spaces and joiners, other
   * format and control characters), any space inside (a no-break space included), and a local part or
   * domain label that mixes scripts ("аdmin" with a Cyrillic а). What this does not catch: a whole label
   * written in another script that happens to look Latin (see docs/security.md).
   */
  public static String email(JsonObject body, String field) {
    String raw = string(body, field, 3, 254, true);
    return normalEmail(raw).orElseThrow(() -> ErrorCode.VALIDATION_FAILED.error("'" + field + "' must be an email address"
        + " (no invisible characters, spaces or mixed scripts)"));
  }

  /** {@link #email}'s normal form, or empty when the address is refused. */
  public static Optional<String> normalEmail(String raw) {
    String email = Normalizer.normalize(raw, Normalizer.Form.NFKC).strip().toLowerCase(Locale.ROOT);
    if (email.length() < 3 || email.length() > 254 || !EMAIL.matcher(email).matches()) {
      return Optional.empty();
    }
    boolean hidden = email.codePoints().anyMatch(cp -> {
      int type = Character.getType(cp);
      return type == Character.FORMAT || type == Character.CONTROL || type == Character.SPACE_SEPARATOR
          || type == Character.LINE_SEPARATOR || type == Character.PARAGRAPH_SEPARATOR || type == Character.UNASSIGNED
          || type == Character.PRIVATE_USE || type == Character.SURROGATE || Character.isWhitespace(cp);
    });
    if (hidden) {
      return Optional.empty();
    }
    for (String part : email.split("[@.]")) {
      if (part.codePoints().mapToObj(Character.UnicodeScript::of)
          .filter(script -> script != Character.UnicodeScript.COMMON && script != Character.UnicodeScript.INHERITED)
          .distinct().count() > 1) {
        return Optional.empty();
      }
    }
    return Optional.of(email);
  }

  /**
   * A secret exactly as given (a password): no trimming, since " hunter2 " and "hunter2" are different
   * passwords. The length is counted on what was sent.
   */
  public static String exactString(JsonObject body, String field, int min, int max) {
    Object value = value(body, field, true);
    if (!(value instanceof String s)) {
      throw ErrorCode.VALIDATION_FAILED.error("'" + field + "' must be a string");
    }
    if (s.length() < min || s.length() > max) {
      throw ErrorCode.VALIDATION_FAILED.error("'" + field + "' must be " + min + " to " + max + " characters long");
    }
    if (s.indexOf('\0') >= 0) {
      throw ErrorCode.VALIDATION_FAILED.error("'" + field + "' must not contain NUL characters");
    }
    return s;
  }

  public static Integer integer(JsonObject body, String field, int min, int max, boolean required) {
    Object value = value(body, field, required);
    if (value == null) {
      return null;
    }
    if (!(value instanceof Number n) || n.doubleValue() != Math.rint(n.doubleValue())) {
      throw ErrorCode.VALIDATION_FAILED.error("'" + field + "' must be a whole number");
    }
    double d = n.doubleValue();
    if (d < min || d > max) {
      throw ErrorCode.VALIDATION_FAILED.error("'" + field + "' must be between " + min + " and " + max);
    }
    return (int) d;
  }

  /** A JSON boolean field; false when absent or null. */
  public static boolean optionalBoolean(JsonObject body, String field) {
    Object value = value(body, field, false);
    if (value == null) {
      return false;
    }
    if (!(value instanceof Boolean b)) {
      throw ErrorCode.VALIDATION_FAILED.error("'" + field + "' must be true or false");
    }
    return b;
  }

  /** An ISO-8601 instant with an offset, e.g. {@code 2027-05-01T19:30:00Z}. */
  public static Instant instant(JsonObject body, String field, boolean required) {
    String raw = string(body, field, 1, 64, required);
    if (raw == null) {
      return null;
    }
    Instant instant;
    try {
      instant = OffsetDateTime.parse(raw).toInstant();
    } catch (DateTimeParseException e) {
      throw ErrorCode.VALIDATION_FAILED.error("'" + field + "' must be an ISO-8601 date-time with offset, e.g. 2027-05-01T19:30:00Z");
    }
    if (instant.isBefore(EARLIEST) || instant.isAfter(LATEST)) {
      throw ErrorCode.VALIDATION_FAILED.error("'" + field + "' must be between the years 0001 and 9999");
    }
    return instant;
  }

  public static boolean flag(RoutingContext ctx, String name) {
    String raw = ctx.queryParams().get(name);
    if (raw == null) {
      return false;
    }
    if (!raw.equals("true") && !raw.equals("false")) {
      throw ErrorCode.VALIDATION_FAILED.error("'" + name + "' must be true or false");
    }
    return Boolean.parseBoolean(raw);
  }

  public static int queryInt(RoutingContext ctx, String name, int def, int min, int max) {
    String raw = ctx.queryParams().get(name);
    if (raw == null) {
      return def;
    }
    try {
      int value = Integer.parseInt(raw);
      if (value >= min && value <= max) {
        return value;
      }
    } catch (NumberFormatException ignored) {
      // falls through to the validation error
    }
    throw ErrorCode.VALIDATION_FAILED.error("'" + name + "' must be a whole number between " + min + " and " + max);
  }
}
