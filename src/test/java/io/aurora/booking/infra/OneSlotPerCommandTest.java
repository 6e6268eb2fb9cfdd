package io.aurora.booking.infra;

import io.aurora.booking.testing.EventStreamClient;
import io.aurora.booking.testing.RedisMonitor;
import io.aurora.booking.testing.TestApp;
import io.aurora.booking.testing.TestApp.TestUser;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static io.aurora.booking.testing.TestApp.awaitCondition;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Redis Cluster readiness, checked on what the application really sends: every Lua script call, and every
 * plain command naming several keys, touches one hash slot. Its keys (KEYS) and the key prefixes it builds
 * keys from (ARGV such as {@code {s3}:job:}) share one hash tag, so Redis Cluster runs it on one node
 * without CROSSSLOT. The commands are read with MONITOR while a story runs that calls every script: logins
 * (one refused), bookings with Idempotency-Keys, a sold-out event answered by the fast path, a request
 * refused by a limit (its job withdrawn), a status stream, the admin's queue reads, pause, resume and clean, a retry,
 * and a shutdown (the shard owners let go).
 */
@ExtendWith(VertxExtension.class)
class OneSlotPerCommandTest {

  private static final Pattern KEY_PREFIX = Pattern.compile("^\\{[^}]+}:.*");
  /** Plain commands whose arguments are all keys. */
  private static final Set<String> ALL_KEYS = Set.of("del", "unlink", "exists", "mget", "touch", "watch");

  @Test
  void theCrcSixteenSlotsAreRedisClusterOnes() {
    assertEquals(0x31C3, crc16("123456789".getBytes(StandardCharsets.US_ASCII)), "CRC-16/XMODEM check value");
    assertEquals(12_182, slot("foo"), "CLUSTER KEYSLOT foo");
    assertEquals(slot("s3"), slot("{s3}:job:42"), "only the hash tag counts");
    assertEquals(slot("{}x"), crc16("{}x".getBytes(StandardCharsets.UTF_8)) & 16_383, "an empty tag is no tag");
    for (String key : List.of("{s0}:waiting", "{u:17}:idem:k", "{ip:127.0.0.1}:rl:book", "plain", "{a}{b}")) {
      assertEquals(io.vertx.redis.client.impl.ZModem.generate(key), slot(key), "the Redis client's own slot of " + key);
    }
  }

  @Test
  void everyScriptCallAndMultiKeyCommandTouchesOneSlot(Vertx vertx) {
    Map<String, String> scriptOfSha = scriptsBySha();
    Map<String, Integer> calls = new TreeMap<>();
    List<String> crossSlot = new ArrayList<>();
    TestApp app = TestApp.start(vertx, Map.of("maxOpenJobsPerUser", 1, "batchSize", 4));
    try (RedisMonitor monitor = RedisMonitor.start(app.config.redisUrl())) {
      // Started again under the monitor, so that the shard owners' claims are seen too.
      app.stopServer();
      app.restartServer();
      String headSha = scriptOfSha.entrySet().stream().filter(e -> e.getValue().equals("head")).findFirst().orElseThrow().getKey();
      story(app, () -> monitor.commands().stream().anyMatch(c -> c.words().startsWith("\"evalsha\" \"" + headSha)));
      app.stopServer();
      for (RedisMonitor.Command command : monitor.commands()) {
        List<String> words = words(command.words());
        String name = words.get(0).toLowerCase();
        List<String> keys;
        List<String> prefixes = List.of();
        if (name.equals("evalsha") || name.equals("eval")) {
          int n = Integer.parseInt(words.get(2));
          keys = words.subList(3, 3 + n);
          prefixes = words.subList(3 + n, words.size()).stream().filter(a -> KEY_PREFIX.matcher(a).matches()).toList();
          // An EVAL (the server lacked the script) follows the EVALSHA refused for it: counted there.
          if (name.equals("evalsha")) {
            calls.merge(scriptOfSha.getOrDefault(words.get(1), "unknown script"), 1, Integer::sum);
          }
        } else if (ALL_KEYS.contains(name)) {
          keys = words.subList(1, words.size());
        } else {
          continue;
        }
        Set<Integer> slots = new TreeSet<>();
        Stream.concat(keys.stream(), prefixes.stream()).forEach(key -> slots.add(slot(key)));
        if (slots.size() > 1) {
          crossSlot.add(command.words());
        }
      }
    } finally {
      app.close();
    }
    assertEquals(List.of(), crossSlot, "commands touching more than one hash slot");
    Set<String> expected = new TreeSet<>(scriptOfSha.values());
    assertEquals(expected, calls.keySet(), "every script was called by the story (calls: " + calls + ")");
  }

  private static void story(TestApp app, java.util.function.BooleanSupplier headRead) {
    String admin = app.adminToken();
    assertEquals(401, app.post("/api/auth/login", null,
        new JsonObject().put("email", TestApp.ADMIN_EMAIL).put("password", "not-the-password")).statusCode());

    // Two seats, six users: the first decisions sell out, a late request is answered by the fast path.
    long soldOut = app.createEvent(2);
    List<TestUser> users = app.users(8);
    List<String> jobs = new ArrayList<>();
    for (TestUser user : users.subList(0, 6)) {
      jobs.add(TestApp.await(app.bookRetryingBusy(user.token(), soldOut)).bodyAsJsonObject().getString("jobId"));
    }
    jobs.forEach(app::awaitJob);
    String late = app.bookJob(users.get(6).token(), soldOut);
    assertEquals("SOLD_OUT", app.awaitJob(late).getString("error"));
    // An operator's retry of a job that did not fail INTERNAL: retry.lua runs and refuses it.
    assertEquals(409, app.post("/api/admin/jobs/" + late + "/retry", admin, null).statusCode());

    // A job held in a paused event, followed by a status stream; its user's next request (another event)
    // is over the open-job quota: refused, and the job it made is withdrawn.
    long paused = app.createEvent(5);
    long other = app.createEvent(5);
    assertEquals(200, app.post("/api/admin/queue/pause?eventId=" + paused, admin, null).statusCode());
    TestUser waiting = users.get(7);
    String held = app.bookJob(waiting.token(), paused);
    assertEquals(429, app.book(waiting.token(), other).statusCode());
    try (EventStreamClient stream = EventStreamClient.open(app.vertx, app.config.httpPort(),
        "/api/bookings/status/" + held + "/stream", Map.of("Authorization", "Bearer " + waiting.token()))) {
      assertEquals(200, stream.status());
      stream.awaitEvent("the queued job's position", e -> "position".equals(e.event()) || "status".equals(e.event()));
      awaitCondition("the stream ticker to read the queue head", Duration.ofSeconds(10), headRead);
    }
    assertEquals(200, app.get("/api/admin/queue/stats", admin).statusCode());
    assertEquals(200, app.get("/api/admin/queue/details?offset=0&limit=10", admin).statusCode());
    assertEquals(200, app.post("/api/admin/queue/resume?eventId=" + paused, admin, null).statusCode());
    app.awaitJob(held);
    assertEquals(200, app.post("/api/admin/queue/clean?olderThan=0", admin, null).statusCode());
  }

  /** Each script's SHA-1 as the application sends it (job_finish.lua is a library, in front of two of them). */
  private static Map<String, String> scriptsBySha() {
    Path dir = Path.of("src", "main", "resources", "lua");
    Map<String, String> bySha = new HashMap<>();
    try (Stream<Path> files = Files.list(dir)) {
      for (Path file : files.toList()) {
        String name = file.getFileName().toString().replace(".lua", "");
        if (!name.equals("job_finish")) {
          bySha.put(sha1(source(dir, name)), name);
          bySha.put(sha1(source(dir, "job_finish") + "\n" + source(dir, name)), name);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bySha;
  }

  private static String source(Path dir, String name) throws IOException {
    return Files.readString(dir.resolve(name + ".lua"));
  }

  private static String sha1(String text) {
    try {
      return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-1")
          .digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The words of a MONITOR line: each in double quotes, with backslash escapes (a script's source is long). */
  private static List<String> words(String line) {
    List<String> words = new ArrayList<>();
    StringBuilder word = null;
    for (int i = 0; i < line.length(); i++) {
      char c = line.charAt(i);
      if (word == null) {
        if (c == '"') {
          word = new StringBuilder();
        }
      } else if (c == '\\' && i + 1 < line.length()) {
        word.append(line.charAt(++i));
      } else if (c == '"') {
        words.add(word.toString());
        word = null;
      } else {
        word.append(c);
      }
    }
    return words;
  }

  /** Redis Cluster's slot of a key: CRC16 of its hash tag (the text in the first non-empty {...}), mod 16384. */
  static int slot(String key) {
    int open = key.indexOf('{');
    if (open >= 0) {
      int close = key.indexOf('}', open + 1);
      if (close > open + 1) {
        key = key.substring(open + 1, close);
      }
    }
    return crc16(key.getBytes(StandardCharsets.UTF_8)) & 16_383;
  }

  /** CRC-16/XMODEM (polynomial 0x1021, initial 0), the one Redis Cluster uses. */
  static int crc16(byte[] bytes) {
    int crc = 0;
    for (byte b : bytes) {
      crc ^= (b & 0xff) << 8;
      for (int i = 0; i < 8; i++) {
        crc = (crc & 0x8000) != 0 ? (crc << 1) ^ 0x1021 : crc << 1;
      }
      crc &= 0xffff;
    }
    return crc;
  }
}
