package io.aurora.booking.live;

import io.aurora.booking.auth.Authentication;
import io.aurora.booking.auth.Caller;
import io.aurora.booking.bookings.JobStatus;
import io.aurora.booking.http.ErrorCode;
import io.aurora.booking.queue.Sharding;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.redis.client.Redis;

import java.util.regex.Pattern;

import static io.aurora.booking.http.Responses.sendJson;

/**
 * Live status push: {@code GET /api/bookings/status/:jobId/stream} (Server-Sent Events: the job's state at
 * once, its place in line as it moves, then its outcome, and the end) and the ticket a browser opens it
 * with, {@code POST /api/bookings/status/:jobId/stream-ticket}. Who sees what is the status answer's rule
 * ({@link JobStatus#viewFor}); the stream takes a bearer token, a ticket, or nothing.
 */
public final class StatusStreamRoutes {

  private static final Pattern EVENT_ID = Pattern.compile("^[0-9]{1,18}$");

  private final Authentication auth;
  private final StatusStreams streams;
  private final StreamTickets tickets;

  /** {@code redis} keeps the tickets (any node's Redis: the cluster shares one). */
  public StatusStreamRoutes(StatusStreams streams, Authentication auth, Redis redis) {
    this.streams = streams;
    this.auth = auth;
    tickets = new StreamTickets(redis);
  }

  public void mount(Router router) {
    // Both by hand, like the status poll they stand for: a free-form job id, and a query read below.
    router.post("/api/bookings/status/:jobId/stream-ticket").handler(auth.user()).handler(this::issueTicket);
    router.get("/api/bookings/status/:jobId/stream").handler(this::streamCaller).handler(this::openStream);
  }

  /** A ticket for the job's owner (or an admin); anyone else learns only that there is no such job. */
  private void issueTicket(RoutingContext ctx) {
    Caller caller = Authentication.caller(ctx);
    String jobId = ctx.pathParam("jobId");
    streams.status(jobId)
        .map(status -> status.viewFor(caller))
        .compose(view -> tickets.issue(caller, jobId))
        .onSuccess(ticket -> sendJson(ctx, 200, new JsonObject().put("ticket", ticket)
            .put("expiresIn", StreamTickets.TTL_SECONDS)))
        .onFailure(ctx::fail);
  }

  /** The caller of a stream: a ticket's ({@code ?ticket=}, spent here), else a bearer token's, else nobody. */
  private void streamCaller(RoutingContext ctx) {
    String ticket = ctx.queryParams().get("ticket");
    if (ticket == null) {
      auth.optional().handle(ctx);
      return;
    }
    tickets.redeem(ticket, ctx.pathParam("jobId"))
        .onSuccess(caller -> auth.admit(ctx, caller))
        .onFailure(ctx::fail);
  }

  private void openStream(RoutingContext ctx) {
    String jobId = ctx.pathParam("jobId");
    int shard = Sharding.shardOfJob(jobId);
    if (shard < 0) {
      ctx.fail(ErrorCode.NOT_FOUND.error("No such job"));
      return;
    }
    streams.open(ctx, jobId, shard, Authentication.caller(ctx), lastEventId(ctx));
  }

  /**
   * The id of the last event the client has, or -1: the {@code Last-Event-ID} header an {@code EventSource}
   * sends when it reconnects (ignored when it is not one of ours), else {@code ?lastEventId=} for a client
   * that opens a new stream itself (a browser needs a new ticket to reconnect; see docs/notifications.md).
   */
  private static long lastEventId(RoutingContext ctx) {
    String header = ctx.request().getHeader("Last-Event-ID");
    if (header != null && EVENT_ID.matcher(header.trim()).matches()) {
      return Long.parseLong(header.trim());
    }
    String query = ctx.queryParams().get("lastEventId");
    if (query == null) {
      return -1;
    }
    if (!EVENT_ID.matcher(query).matches()) {
      throw ErrorCode.VALIDATION_FAILED.error("lastEventId must be a non-negative integer (an event id of this stream)");
    }
    return Long.parseLong(query);
  }
}
