package io.aurora.booking.http;

/** A failure the client is told about as is: its code picks the status, its message is safe to show. */
public final class ApiException extends RuntimeException {

  private final ErrorCode code;

  public ApiException(ErrorCode code, String message) {
    super(message, null, false, false);
    this.code = code;
  }

  public ErrorCode code() {
    return code;
  }
}
