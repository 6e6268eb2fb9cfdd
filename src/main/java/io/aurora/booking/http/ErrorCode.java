package io.aurora.booking.http;

/** Every error the API answers with, and its HTTP status. The body is {@code {"error": name(), "message": ...}}. */
public enum ErrorCode {
  INVALID_JSON(400),
  VALIDATION_FAILED(400),
  UNAUTHORIZED(401),
  INVALID_CREDENTIALS(401),
  FORBIDDEN(403),
  NOT_FOUND(404),
  METHOD_NOT_ALLOWED(405),
  REQUEST_TIMEOUT(408),
  UNSUPPORTED_MEDIA_TYPE(415),
  EMAIL_TAKEN(409),
  CAPACITY_BELOW_BOOKED(409),
  EVENT_HAS_BOOKINGS(409),
  EVENT_STARTED(409),
  CONFLICT(409),
  PAYLOAD_TOO_LARGE(413),
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
}
