package io.aurora.booking.infra;

import io.vertx.pgclient.PgConnectOptions;
import org.flywaydb.core.Flyway;

/** Flyway migrations from {@code db/migration}; blocking, so it runs on a worker thread at start-up. */
public final class Migrations {

  private Migrations() {
  }

  public static void migrate(String pgUrl) {
    PgConnectOptions options = PgConnectOptions.fromUri(pgUrl);
    String jdbcUrl = "jdbc:postgresql://" + options.getHost() + ":" + options.getPort() + "/" + options.getDatabase();
    Flyway.configure()
        .dataSource(jdbcUrl, options.getUser(), options.getPassword())
        .locations("classpath:db/migration")
        .load()
        .migrate();
  }
}
