package io.aurora.booking.audit;

import io.aurora.booking.config.AppConfig;
import io.aurora.booking.infra.Migrations;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The audit log's monthly partitions, once a day on every node (the first run is part of the start, after the
 * migrations): next months' partitions made ahead, partitions older than {@code auditRetentionMonths} dropped.
 * It needs the owner role (DDL), which the service's own connections do not have. Several nodes doing it is
 * harmless: the database serialises it and it is idempotent.
 */
public final class AuditUpkeep extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(AuditUpkeep.class);
  private static final long DAY_MILLIS = 24L * 3600 * 1000;

  private long timer = -1;

  @Override
  public Future<?> start() {
    AppConfig config = new AppConfig(config());
    timer = vertx.setPeriodic(DAY_MILLIS, id -> vertx.executeBlocking(() ->
            Migrations.maintainAudit(config.pgMigrationUrl(), config.auditRetentionMonths()), false)
        .onFailure(e -> LOG.error("Audit partition upkeep failed; retried tomorrow (rows land in the default"
            + " partition meanwhile): {}", e.toString())));
    return Future.succeededFuture();
  }

  @Override
  public Future<?> stop() {
    vertx.cancelTimer(timer);
    return Future.succeededFuture();
  }
}
