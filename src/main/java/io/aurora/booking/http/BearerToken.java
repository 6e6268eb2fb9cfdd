package io.aurora.booking.http;

import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;

import java.util.Optional;

/**
 * The token of an {@code Authorization: Bearer <token>} header (RFC 6750), read in one place for every
 * guard: the users' JWTs and the metrics scraper's token. The scheme is case-insensitive.
 */
public final class BearerToken {

  private static final String SCHEME = "Bearer ";

  private BearerToken() {
  }

  /**
   * The bearer token of {@code request}; empty when it sends no Authorization header.
   *
   * @throws ApiException UNAUTHORIZED when the header is there but is not {@code Bearer <token>}
   */
  public static Optional<String> read(HttpServerRequest request) {
    String header = request.getHeader(HttpHeaders.AUTHORIZATION);
    if (header == null) {
      return Optional.empty();
    }
    String token = header.regionMatches(true, 0, SCHEME, 0, SCHEME.length())
        ? header.substring(SCHEME.length()).trim() : "";
    if (token.isEmpty()) {
      throw ErrorCode.UNAUTHORIZED.error("Authorization header must be 'Bearer <token>'");
    }
    return Optional.of(token);
  }
}
