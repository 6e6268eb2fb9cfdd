package io.aurora.booking.live;

import io.aurora.booking.auth.Caller;
import io.aurora.booking.bookings.FailureReason;
import io.aurora.booking.bookings.JobStatus;
import io.aurora.booking.bus.Addresses;
import io.aurora.booking.bus.Messages.JobsDecided;
import io.aurora.booking.bus.Messages.StatusRequest;
import io.aurora.booking.bus.Requests;
import io.aurora.booking.config.AppConfig;
import io.aurora.booking.http.ErrorCode;
import io.aurora.booking.queue.QueueHead;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.ext.web.RoutingContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The status streams of one HTTP verticle, all on its event loop, and what moves them:
 * <ul>
 *   <li>the job's outcome, from the workers' {@link JobsDecided} (one message per batch, from whichever node
 *       decided it): the streams of those jobs read the decided status once and send it as their final event;</li>
 *   <li>its place in line, from the node's once-a-second {@link QueueHeads}: computed for every stream from its
 *       shard's head, no Redis call per stream;</li>
 *   <li>a heartbeat comment every {@code sseHeartbeatMillis}.</li>
 * </ul>
 * A job seen taken for {@link #TAKEN_TICKS_BEFORE_CHECK} ticks without its decision arriving (the deciding
 * node died between recording it and publishing it) has its status read again, so no stream waits forever.
 */
public final class StatusStreams {

  private static final Logger LOG = LoggerFactory.getLogger(StatusStreams.class);
  static final int TAKEN_TICKS_BEFORE_CHECK = 5;

  private final Vertx vertx;
  private final Requests requests;
  private final StreamSlots slots;
  private final StreamMeters meters;
  private final long heartbeatMillis;
  private final int shards;
  private final Map<String, List<StatusStream>> byJob = new HashMap<>();
  private final List<MessageConsumer<?>> consumers = new ArrayList<>();
  private long heartbeat = -1;

  /** @param slots the node's streams (shared by its HTTP verticles), which this verticle's count against */
  public StatusStreams(Vertx vertx, AppConfig config, Requests requests, StreamSlots slots, StreamMeters meters) {
    this.vertx = vertx;
    this.requests = requests;
    this.slots = slots;
    this.meters = meters;
    heartbeatMillis = config.sseHeartbeatMillis();
    shards = config.shards();
  }

  /** The job's status as the queue records it (the same read as the status answer's). */
  Future<JobStatus> status(String jobId) {
    return requests.send(Addresses.STATUS, new StatusRequest(jobId));
  }

  /** Listens for decisions (from every node) and heads (from this node's ticker); starts the heartbeat. */
  public Future<Void> start() {
    consumers.add(vertx.eventBus().<JobsDecided>consumer(Addresses.JOBS_DECIDED, msg -> decided(msg.body())));
    consumers.add(vertx.eventBus().<QueueHeads>localConsumer(Addresses.STREAM_HEADS, msg -> heads(msg.body())));
    heartbeat = vertx.setPeriodic(heartbeatMillis, id -> each(StatusStream::heartbeat));
    return Future.all(consumers.stream().map(MessageConsumer::completion).toList()).mapEmpty();
  }

  /** Ends every stream (their clients reconnect, to another node if this one is going away) and stops listening. */
  public Future<Void> stop() {
    vertx.cancelTimer(heartbeat);
    each(this::remove);
    return Future.join(consumers.stream().map(MessageConsumer::unregister).toList()).mapEmpty();
  }

  /**
   * Opens a stream of {@code jobId} for {@code caller} (null: no credentials; the status rules decide what it
   * sees). Registered before the job's status is read, so a decision that comes meanwhile is not missed.
   */
  void open(RoutingContext ctx, String jobId, int shard, Caller caller, long lastEventId) {
    if (shard >= shards) {
      ctx.fail(ErrorCode.NOT_FOUND.error("No such job"));
      return;
    }
    if (!slots.tryOpen(shard)) {
      ctx.fail(ErrorCode.SERVICE_UNAVAILABLE.error("This node holds as many status streams as it may; retry shortly"));
      return;
    }
    StatusStream stream = new StatusStream(ctx.response(), jobId, shard, caller, lastEventId, meters);
    byJob.computeIfAbsent(jobId, id -> new ArrayList<>(1)).add(stream);
    meters.streamOpened();
    ctx.response().closeHandler(v -> remove(stream));
    ctx.response().endHandler(v -> remove(stream));
    status(jobId)
        .map(status -> {
          status.viewFor(caller); // another user's token: 404, as for the status answer
          return status;
        })
        .onSuccess(status -> {
          if (stream.closed()) {
            return; // the client left, or the node is stopping
          }
          stream.begin(status);
          if (stream.decidedWhileOpening && stream.open()) {
            readAndFinish(jobId, List.of(stream), null);
          }
        })
        .onFailure(failure -> {
          remove(stream);
          ctx.fail(failure);
        });
  }

  private void remove(StatusStream stream) {
    List<StatusStream> streams = byJob.get(stream.jobId);
    if (streams != null && streams.remove(stream)) {
      if (streams.isEmpty()) {
        byJob.remove(stream.jobId);
      }
      stream.close();
      slots.release(stream.shard);
      meters.streamClosed();
    }
  }

  private void decided(JobsDecided decided) {
    for (int i = 0; i < decided.jobIds().size(); i++) {
      String jobId = decided.jobIds().get(i);
      List<StatusStream> streams = byJob.get(jobId);
      if (streams == null) {
        continue;
      }
      List<StatusStream> begun = new ArrayList<>(streams.size());
      for (StatusStream stream : streams) {
        if (stream.open()) {
          begun.add(stream);
        } else {
          stream.decidedWhileOpening = true;
        }
      }
      if (!begun.isEmpty()) {
        readAndFinish(jobId, begun, decided.outcomes().get(i));
      }
    }
  }

  /**
   * Reads the decided job's status once for all its streams here, and sends it as their final event. Should
   * the read fail, the announced outcome is sent as it is (status and reason only); with no outcome known
   * (a check after a missed announcement) the streams wait for the next check.
   */
  private void readAndFinish(String jobId, List<StatusStream> streams, String outcome) {
    status(jobId).onComplete(read -> {
      JobStatus status = read.succeeded() ? read.result() : outcome == null ? null : announced(jobId, outcome, streams.get(0));
      if (status == null || !status.decided()) {
        if (read.failed()) {
          LOG.debug("Status of streamed job {} not read: {}", jobId, read.cause().toString());
        }
        return;
      }
      List.copyOf(streams).forEach(stream -> finish(stream, status));
    });
  }

  private void finish(StatusStream stream, JobStatus status) {
    try {
      stream.finish(status);
    } finally {
      remove(stream);
    }
  }

  /** A decided status from the announcement alone (the job's record could not be read). */
  private static JobStatus announced(String jobId, String outcome, StatusStream stream) {
    JobStatus known = stream.known();
    boolean completed = "completed".equals(outcome);
    String status = completed ? "completed" : FailureReason.WAITLISTED.name().equals(outcome) ? "waitlisted" : "failed";
    return new JobStatus(jobId, status, known.userId(), known.eventId(), known.seats(),
        known.attempts(), known.enqueuedAt(), null, null, completed ? null : FailureReason.valueOf(outcome), null, known.seq());
  }

  private void heads(QueueHeads heads) {
    Set<String> toCheck = new HashSet<>();
    each(stream -> {
      QueueHead head = stream.shard < heads.byShard().length ? heads.byShard()[stream.shard] : null;
      if (head == null || !stream.open()) {
        return;
      }
      stream.place(head.placeOf(stream.seq()));
      if (stream.ticksTaken >= TAKEN_TICKS_BEFORE_CHECK) {
        stream.ticksTaken = 0;
        toCheck.add(stream.jobId);
      }
    });
    for (String jobId : toCheck) {
      List<StatusStream> streams = byJob.get(jobId);
      if (streams != null) {
        readAndFinish(jobId, streams.stream().filter(StatusStream::open).toList(), null);
      }
    }
  }

  /** Over a copy: an action may end a stream, which leaves the registry. */
  private void each(Consumer<StatusStream> action) {
    List<StatusStream> all = new ArrayList<>();
    byJob.values().forEach(all::addAll);
    all.forEach(action);
  }
}
