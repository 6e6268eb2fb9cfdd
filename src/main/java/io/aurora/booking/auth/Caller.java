package io.aurora.booking.auth;

/** The authenticated user of a request, as the token says: no database hit on the request path. */
public record Caller(long id, String email, Role role) {

  public boolean isAdmin() {
    return role == Role.ADMIN;
  }
}
