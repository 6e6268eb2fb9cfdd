package io.aurora.booking.auth;

/**
 * The authenticated user of a request, as the token says: no database hit on the request path.
 * {@code generation} is the user's token generation when the token was issued ({@link Revocations}).
 */
public record Caller(long id, String email, Role role, int generation) {

  public Caller(long id, String email, Role role) {
    this(id, email, role, 0);
  }

  public boolean isAdmin() {
    return role == Role.ADMIN;
  }
}
