package io.aurora.booking.infra;

import io.aurora.booking.config.AppConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import io.vertx.sqlclient.Row;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Reads, at start, the server settings the service's promises rest on, and judges each: a 202 means the job
 * is on disk only if Redis fsyncs its AOF before answering; a {@code completed} means the booking is on disk
 * only if PostgreSQL flushes its WAL at commit; and Redis must never evict a key to make room.
 *
 * <ul>
 *   <li>PostgreSQL {@code fsync} and {@code full_page_writes} on; {@code synchronous_commit} anything but off;</li>
 *   <li>Redis {@code appendonly yes}, {@code appendfsync always}, {@code maxmemory-policy noeviction}.</li>
 * </ul>
 *
 * A setting that cannot be read (a managed Redis that refuses CONFIG) is UNKNOWN: durability is then not
 * verified, which {@code requireDurableServers} treats like unsafe.
 *
 * <p>With {@code redisMode=cluster} every master holds some of the queue, so every master is read (each on a
 * connection of its own: the cluster client would send a keyless CONFIG GET to one node only) and each setting
 * is judged by its worst master.
 */
public final class DurabilityCheck {

  private static final long TIMEOUT_MILLIS = 5_000;
  /**
   * Reads a setting is asked for at most this many times: a refusal comes back at once, but a machine so
   * busy that a read takes longer than {@link #TIMEOUT_MILLIS} (a start at load average 30 did) must not
   * make a durable embedded server look unverified and refuse to start.
   */
  private static final int ATTEMPTS = 4;

  public enum Verdict { SAFE, UNSAFE, UNKNOWN }

  /** One setting of one server, what it is, and what it must be. */
  public record Setting(String server, String name, String value, Verdict verdict, String safeValue, String risk) {

    /** {@code redis.appendfsync}: how logs, {@code /ready} and the gauge name the setting. */
    public String key() {
      return server + "." + name;
    }
  }

  /** The settings read, in a fixed order. */
  public record Report(List<Setting> settings) {

    public boolean safe() {
      return settings.stream().allMatch(s -> s.verdict() == Verdict.SAFE);
    }

    public List<Setting> with(Verdict verdict) {
      return settings.stream().filter(s -> s.verdict() == verdict).toList();
    }

    /**
     * {@code {"safe": false, "unsafe": ["redis.appendfsync"], "unknown": [], "postgres": {"fsync": "on", ...},
     * "redis": {...}}}: what {@code /ready} shows.
     */
    public JsonObject toJson() {
      JsonObject json = new JsonObject().put("safe", safe())
          .put("unsafe", new JsonArray(with(Verdict.UNSAFE).stream().map(Setting::key).toList()))
          .put("unknown", new JsonArray(with(Verdict.UNKNOWN).stream().map(Setting::key).toList()));
      for (Setting setting : settings) {
        if (!json.containsKey(setting.server())) {
          json.put(setting.server(), new JsonObject());
        }
        json.getJsonObject(setting.server()).put(setting.name(), setting.value());
      }
      return json;
    }
  }

  static final String UNKNOWN = "unknown";
  private static final List<String> POSTGRES_SETTINGS = List.of("fsync", "synchronous_commit", "full_page_writes");
  private static final List<String> REDIS_SETTINGS = List.of("appendonly", "appendfsync", "maxmemory-policy");

  private DurabilityCheck() {
  }

  /** Reads the settings of the servers {@code config} names, on connections of its own. */
  public static Future<Report> inspect(Vertx vertx, AppConfig config) {
    Pool pool = PgBuilder.pool().with(new PoolOptions().setMaxSize(1))
        .connectingTo(PgConnectOptions.fromUri(config.pgUrl())).using(vertx).build();
    Future<Map<String, String>> postgres = attempt(ATTEMPTS, () -> pool
        .query("SELECT name, setting FROM pg_settings WHERE name IN ("
            + String.join(", ", POSTGRES_SETTINGS.stream().map(n -> "'" + n + "'").toList()) + ")").execute()
        .map(rows -> {
          Map<String, String> values = new HashMap<>();
          for (Row row : rows) {
            values.put(row.getString("name"), row.getString("setting"));
          }
          return values;
        }))
        .otherwise(Map.of());
    Future<List<Map<String, String>>> redisServers = config.redisMode() == AppConfig.RedisMode.CLUSTER
        ? clusterMastersSettings(vertx, config)
        : redisSettings(vertx, config).map(List::of);
    return Future.join(postgres, redisServers)
        .map(done -> worstOf(redisServers.result().stream().map(redis -> judge(postgres.result(), redis)).toList()))
        .eventually(pool::close);
  }

  /** The Redis settings of the server {@code config} names (standalone, or Sentinel's master). */
  private static Future<Map<String, String>> redisSettings(Vertx vertx, AppConfig config) {
    Redis redis = Clients.redis(vertx, config.with(Map.of("redisPoolSize", 1)), Clients.instanceName("booking-durability-check"));
    List<Future<String>> values = REDIS_SETTINGS.stream().map(name -> redisSetting(redis, name)).toList();
    return Future.join(values).<Map<String, String>>map(done -> {
      Map<String, String> read = new HashMap<>();
      for (int i = 0; i < REDIS_SETTINGS.size(); i++) {
        read.put(REDIS_SETTINGS.get(i), values.get(i).result());
      }
      return read;
    }).eventually(redis::close);
  }

  /**
   * The settings of every master of the cluster, as {@code CLUSTER SLOTS} lists them (one map of nothing when the
   * masters cannot be listed: unknown).
   */
  private static Future<List<Map<String, String>>> clusterMastersSettings(Vertx vertx, AppConfig config) {
    Redis cluster = Clients.redis(vertx, config.with(Map.of("redisPoolSize", 1)), Clients.instanceName("booking-durability-check"));
    return attempt(ATTEMPTS, () -> cluster.send(Request.cmd(Command.CLUSTER).arg("SLOTS")))
        .eventually(cluster::close)
        .compose(slots -> {
          List<String> masters = new ArrayList<>();
          for (Response range : slots) {
            String master = "redis://" + range.get(2).get(0).toString() + ":" + range.get(2).get(1).toInteger();
            if (!masters.contains(master)) {
              masters.add(master);
            }
          }
          if (masters.isEmpty()) {
            return Future.succeededFuture(List.of(Map.<String, String>of()));
          }
          List<Future<Map<String, String>>> each = masters.stream().map(url -> redisSettings(vertx,
              config.with(Map.of("redisMode", "standalone", "redisUrl", url, "redisUrls", "")))).toList();
          return Future.join(each).map(done -> each.stream().map(Future::result).toList());
        })
        .otherwise(List.of(Map.of()));
  }

  /** One report of {@code reports} (one per Redis server, the same PostgreSQL): each setting at its worst server's. */
  static Report worstOf(List<Report> reports) {
    List<Setting> worst = new ArrayList<>(reports.get(0).settings());
    for (Report report : reports) {
      for (int i = 0; i < worst.size(); i++) {
        Setting setting = report.settings().get(i);
        if (rank(setting.verdict()) > rank(worst.get(i).verdict())) {
          worst.set(i, setting);
        }
      }
    }
    return new Report(worst);
  }

  private static int rank(Verdict verdict) {
    return switch (verdict) {
      case SAFE -> 0;
      case UNKNOWN -> 1;
      case UNSAFE -> 2;
    };
  }

  /** CONFIG GET; "unknown" when refused (managed services often forbid CONFIG) or unanswered. */
  private static Future<String> redisSetting(Redis redis, String name) {
    return attempt(ATTEMPTS, () -> redis.send(Request.cmd(Command.CONFIG).arg("GET").arg(name)))
        .map(reply -> configValue(reply, name))
        .otherwise(UNKNOWN);
  }

  /** {@code read}, each attempt bounded by {@link #TIMEOUT_MILLIS}, asked again after a failure, {@code attempts} in all. */
  private static <T> Future<T> attempt(int attempts, Supplier<Future<T>> read) {
    Future<T> once = read.get().timeout(TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
    return attempts <= 1 ? once : once.recover(failure -> attempt(attempts - 1, read));
  }

  /** RESP2 answers {@code [name, value]}, RESP3 {@code {name: value}}. */
  private static String configValue(Response reply, String name) {
    if (reply == null) {
      return UNKNOWN;
    }
    try {
      if (reply.containsKey(name)) {
        return reply.get(name).toString();
      }
    } catch (UnsupportedOperationException notAMap) {
      // RESP2: an array
    }
    return reply.size() >= 2 ? reply.get(1).toString() : UNKNOWN;
  }

  /** The verdict on values read (absent: unknown). */
  static Report judge(Map<String, String> postgres, Map<String, String> redis) {
    List<Setting> settings = new ArrayList<>();
    settings.add(setting("postgres", "fsync", postgres, "on"::equals, "on",
        "an operating-system crash or power loss can lose or corrupt committed bookings"));
    settings.add(setting("postgres", "synchronous_commit", postgres, value -> !"off".equals(value), "on",
        "a crash can lose bookings already reported completed"));
    settings.add(setting("postgres", "full_page_writes", postgres, "on"::equals, "on",
        "an operating-system crash can leave torn pages and corrupt the database"));
    settings.add(setting("redis", "appendonly", redis, "yes"::equals, "yes",
        "a Redis restart loses every queued job and job status"));
    settings.add(setting("redis", "appendfsync", redis, "always"::equals, "always",
        "a crash can lose jobs that were already answered 202 (up to a second of them with everysec)"));
    settings.add(setting("redis", "maxmemory-policy", redis, "noeviction"::equals, "noeviction",
        "when memory runs out Redis evicts keys: queued jobs, results and idempotency keys silently disappear"));
    return new Report(settings);
  }

  private static Setting setting(String server, String name, Map<String, String> values,
                                 java.util.function.Predicate<String> safe, String safeValue, String risk) {
    String value = values.get(name);
    if (value == null || UNKNOWN.equals(value)) {
      return new Setting(server, name, UNKNOWN, Verdict.UNKNOWN, safeValue, "it could not be read, so durability is not verified");
    }
    return new Setting(server, name, value, safe.test(value) ? Verdict.SAFE : Verdict.UNSAFE, safeValue, risk);
  }
}
