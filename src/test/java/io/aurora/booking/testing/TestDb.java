package io.aurora.booking.testing;

import at.favre.lib.crypto.bcrypt.BCrypt;
import io.aurora.booking.auth.Role;
import io.aurora.booking.auth.Tokens;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import static io.aurora.booking.testing.TestApp.await;

/** Direct database access for tests: assertions on state, and users made without bcrypt rounds. */
public final class TestDb {

  public static final String USER_PASSWORD = "password123";
  private static final String USER_HASH = BCrypt.withDefaults().hashToString(4, USER_PASSWORD.toCharArray());
  private static final AtomicLong USERS = new AtomicLong();

  private TestDb() {
  }

  public static long queryLong(Pool db, String sql, Object... params) {
    RowSet<Row> rows = await(db.preparedQuery(sql).execute(Tuple.wrap(params)));
    Object value = rows.iterator().next().getValue(0);
    return value == null ? 0 : ((Number) value).longValue();
  }

  public static List<Row> queryRows(Pool db, String sql, Object... params) {
    List<Row> out = new ArrayList<>();
    await(db.preparedQuery(sql).execute(Tuple.wrap(params))).forEach(out::add);
    return out;
  }

  /**
   * Users made straight in the database with a precomputed hash, with tokens minted by the real token
   * code: a crowd of thousands without thousands of bcrypt rounds. Registration itself is tested over HTTP.
   */
  public static List<TestApp.TestUser> users(Pool db, Tokens tokens, int count) {
    List<String> emails = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      emails.add("user" + USERS.incrementAndGet() + "-" + System.nanoTime() + "@test.local");
    }
    RowSet<Row> rows = await(db.preparedQuery("""
            INSERT INTO users (name, email, password_hash)
            SELECT 'Test user', e, $2 FROM UNNEST($1::text[]) AS t(e)
            RETURNING id, email""")
        .execute(Tuple.tuple().addArrayOfString(emails.toArray(String[]::new)).addString(USER_HASH)));
    Map<String, Long> ids = new HashMap<>();
    rows.forEach(row -> ids.put(row.getString("email"), row.getLong("id")));
    List<TestApp.TestUser> out = new ArrayList<>();
    for (String email : emails) {
      long id = ids.get(email);
      out.add(new TestApp.TestUser(id, email, tokens.issue(id, email, Role.USER)));
    }
    return out;
  }
}
