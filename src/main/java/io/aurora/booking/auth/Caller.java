package io.aurora.booking.auth;

/**
 * The authenticated user of a request, as the token says: no database hit on the request path.
 * {@code generation} is the user's token generation when the token was issued ({@link Revocations});
 * {@code session} the login session the token belongs to (null for tokens issued outside one).
 */
public record Caller(long id, String email, Role role, int generation, String session) {

  public Caller(long id, String email, Role role) {
    this(id, email, role, 0, null);
  }

  public Caller(long id, String email, Role role, int generation) {
    this(id, email, role, generation, null);
  }

  public boolean isAdmin() {
    return role == Role.ADMIN;
  }
}
