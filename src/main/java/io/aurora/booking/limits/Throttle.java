package io.aurora.booking.limits;

import io.aurora.booking.http.ApiException;
import io.aurora.booking.http.ErrorCode;
import io.vertx.core.http.HttpServerResponse;

import java.util.List;

/**
 * The HTTP side of the limits: the {@code RateLimit-Policy} and {@code RateLimit} header fields of the IETF
 * httpapi draft (draft-ietf-httpapi-ratelimit-headers) on answers, and the 429 with {@code Retry-After}.
 */
public final class Throttle {

  /** The name under which refusals by the open-job quota are counted. */
  static final String OPEN_JOBS = "open-jobs";

  private Throttle() {
  }

  /**
   * Passes when every verdict allows; else sets the headers of the first refusal, counts it, and fails
   * with {@link ErrorCode#RATE_LIMITED}. When all allow, the headers of the tightest limit go on the answer.
   */
  public static void enforce(HttpServerResponse response, RateLimiter limiter, List<Verdict> verdicts) {
    Verdict tightest = null;
    for (Verdict v : verdicts) {
      if (!v.allowed()) {
        throw refuse(response, limiter, v);
      }
      if (tightest == null || v.remaining() < tightest.remaining()) {
        tightest = v;
      }
    }
    if (tightest != null) {
      advertise(response, tightest);
    }
  }

  /** The 429 of a refused verdict, its headers set on the response. */
  public static ApiException refuse(HttpServerResponse response, RateLimiter limiter, Verdict refused) {
    advertise(response, refused);
    long retryAfterSeconds = Math.max(1, RateLimit.ceilSeconds(refused.retryAfterMillis()));
    putHeader(response, "Retry-After", Long.toString(retryAfterSeconds));
    limiter.recordThrottled(refused.outcome() == Verdict.Outcome.OVER_QUOTA ? OPEN_JOBS : refused.limit().name());
    String message = refused.outcome() == Verdict.Outcome.OVER_QUOTA
        ? "Too many booking requests of yours are still open; retry after " + retryAfterSeconds + " s or when one is decided"
        : "Too many requests; retry after " + retryAfterSeconds + " s";
    return ErrorCode.RATE_LIMITED.error(message);
  }

  /** A lock (ms) of an account: the 429 of a login refused while it lasts. */
  public static ApiException locked(HttpServerResponse response, RateLimiter limiter, long lockMillis) {
    long retryAfterSeconds = Math.max(1, RateLimit.ceilSeconds(lockMillis));
    putHeader(response, "Retry-After", Long.toString(retryAfterSeconds));
    limiter.recordThrottled("login-lockout");
    return ErrorCode.RATE_LIMITED.error("Too many wrong passwords for this account; retry after " + retryAfterSeconds + " s");
  }

  private static void advertise(HttpServerResponse response, Verdict verdict) {
    putHeader(response, "RateLimit-Policy", verdict.limit().policyHeader());
    putHeader(response, "RateLimit", verdict.header());
  }

  /** A request past its deadline has had its answer (503) already; nothing more goes on it. */
  private static void putHeader(HttpServerResponse response, String name, String value) {
    if (!response.headWritten()) {
      response.putHeader(name, value);
    }
  }
}
