package io.aurora.booking.infra;

import io.vertx.core.Future;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.function.Function;

/** A Lua script from {@code lua/}, called by its SHA-1 and loaded on the fly when the server lacks it. */
public final class LuaScript {

  private final String source;
  private final String sha;

  private LuaScript(String source) {
    this.source = source;
    try {
      this.sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(source.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * The script {@code name} with {@code libraries} (files of {@code lua/} defining local functions) in front:
   * Redis scripts cannot include one another, and what several scripts must do alike is written once.
   */
  public static LuaScript load(String name, String... libraries) {
    StringBuilder source = new StringBuilder();
    for (String library : libraries) {
      source.append(source(library)).append('\n');
    }
    return new LuaScript(source.append(source(name)).toString());
  }

  private static String source(String name) {
    try (InputStream in = LuaScript.class.getResourceAsStream("/lua/" + name + ".lua")) {
      if (in == null) {
        throw new IllegalStateException("Missing Lua script " + name);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public Future<Response> call(Redis redis, List<String> keys, List<String> args) {
    return call(redis::send, keys, args);
  }

  /**
   * One call through {@code send}: {@code RedisConnection::send} for calls pipelined on one connection with
   * other commands (each sent at once, answered in order; a NOSCRIPT answer affects this call only).
   */
  public Future<Response> call(Function<Request, Future<Response>> send, List<String> keys, List<String> args) {
    return send.apply(request(Command.EVALSHA, sha, keys, args)).recover(failure -> {
      if (String.valueOf(failure.getMessage()).startsWith("NOSCRIPT")) {
        return send.apply(request(Command.EVAL, source, keys, args));
      }
      return Future.failedFuture(failure);
    });
  }

  /** One call of this script, for {@link #batch}. */
  public record Call(List<String> keys, List<String> args) {
  }

  /**
   * Several calls of this script pipelined on one connection, answered in order. The pooled client holds a
   * connection per command in flight, so calls sent apart would each take a connection for a round trip;
   * a batch takes one. Each call's keys share one slot, but the calls' slots may differ: on Redis Cluster
   * (issue 15) such a batch must be split by node. One script only: when the server lacks it, no call of
   * the batch ran, and each is made again on its own ({@link #call} loads the script).
   */
  public Future<List<Response>> batch(Redis redis, List<Call> calls) {
    List<Request> requests = calls.stream().map(c -> request(Command.EVALSHA, sha, c.keys, c.args)).toList();
    return redis.batch(requests).recover(failure -> {
      if (String.valueOf(failure.getMessage()).contains("NOSCRIPT")) {
        List<Future<Response>> each = calls.stream().map(c -> call(redis, c.keys, c.args)).toList();
        return Future.all(each).map(all -> each.stream().map(Future::result).toList());
      }
      return Future.failedFuture(failure);
    });
  }

  private static Request request(Command command, String script, List<String> keys, List<String> args) {
    Request request = Request.cmd(command).arg(script).arg(keys.size());
    keys.forEach(request::arg);
    args.forEach(request::arg);
    return request;
  }
}
