package io.aurora.booking.http;

import java.util.Optional;

/**
 * Every error the API answers with, and its HTTP status. The body is {@code {"error": name(), "message": ...}}.
 * Over the event bus an error travels as a {@code ReplyException} whose failure code is {@link #failureCode()}.
 */
public enum ErrorCode {
  INVALID_JSON(400),
  VALIDATION_FAILED(400),
  /** The request line or a header could not be parsed at all (answered below the router). */
  MALFORMED_REQUEST(400),
  UNAUTHORIZED(401),
  INVALID_CREDENTIALS(401),
  FORBIDDEN(403),
  /** The account is disabled by an admin: login refused, tokens refused. */
  ACCOUNT_DISABLED(403),
  NOT_FOUND(404),
  METHOD_NOT_ALLOWED(405),
  REQUEST_TIMEOUT(408),
  UNSUPPORTED_MEDIA_TYPE(415),
  EMAIL_TAKEN(409),
  CAPACITY_BELOW_BOOKED(409),
  EVENT_HAS_BOOKINGS(409),
  EVENT_STARTED(409),
  CONFLICT(409),
  /** An Idempotency-Key this user already used for a different booking request (another event or body). */
  IDEMPOTENCY_KEY_REUSED(422),
  PAYLOAD_TOO_LARGE(413),
  /** The request line is longer than the server reads (answered below the router). */
  URI_TOO_LONG(414),
  /** The headers are larger than the server reads (answered below the router). */
  HEADERS_TOO_LARGE(431),
  /** Above a rate limit or quota; the answer carries Retry-After and the RateLimit headers. */
  RATE_LIMITED(429),
  SERVICE_UNAVAILABLE(503),
  SHUTTING_DOWN(503),
  INTERNAL(500);

  private final int status;

  ErrorCode(int status) {
    this.status = status;
  }

  public int status() {
    return status;
  }

  public ApiException error(String message) {
    return new ApiException(this, message);
  }

  /**
   * The failure code of this error in an event-bus {@code ReplyException}. Failures only travel on local
   * addresses (requests never cross nodes), so the codes need to agree within one build only.
   */
  public int failureCode() {
    return FAILURE_CODE_BASE + ordinal();
  }

  /** The error of an event-bus failure code, or empty when the code is not one of {@link #failureCode()}. */
  public static Optional<ErrorCode> ofFailureCode(int failureCode) {
    int index = failureCode - FAILURE_CODE_BASE;
    ErrorCode[] all = values();
    return index >= 0 && index < all.length ? Optional.of(all[index]) : Optional.empty();
  }

  /** Clear of Vert.x's own failure codes (-1, 0) and of HTTP statuses. */
  private static final int FAILURE_CODE_BASE = 1_000;
}
