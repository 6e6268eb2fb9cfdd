package io.aurora.booking.auth;

/** SQL of the auth feature. */
final class UserSql {

  static final String INSERT = """
      INSERT INTO users (name, email, password_hash) VALUES ($1, $2, $3)
      RETURNING id, name, email, role, created_at""";

  static final String BY_EMAIL = """
      SELECT id, name, email, role, password_hash, created_at FROM users WHERE email = $1""";

  static final String ADMIN_EXISTS = "SELECT id FROM users WHERE email = $1 AND role = 'ADMIN'";

  static final String UPSERT_ADMIN = """
      INSERT INTO users (name, email, password_hash, role) VALUES ('Administrator', $1, $2, 'ADMIN')
      ON CONFLICT (email) DO UPDATE SET role = 'ADMIN', password_hash = EXCLUDED.password_hash, updated_at = now()""";

  private UserSql() {
  }
}
