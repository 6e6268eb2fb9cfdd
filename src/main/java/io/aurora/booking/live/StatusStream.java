package io.aurora.booking.live;

import io.aurora.booking.auth.Caller;
import io.aurora.booking.bookings.JobStatus;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;

/**
 * One open status stream (Server-Sent Events) of one job, on the event loop of the HTTP verticle that took
 * it. Every event carries an id that only grows as the job moves on, reckoned from the job's enqueue sequence
 * {@code seq}: {@code seq - place} while it waits (the places ahead that have gone), {@code seq + 1} once decided. The same state has the same id on every node, so a reconnect that sends
 * {@code Last-Event-ID} gets nothing it has seen again, and the final event always has the same id.
 */
final class StatusStream {

  static final String CONTENT_TYPE = "text/event-stream";

  final String jobId;
  final int shard;
  private final HttpServerResponse response;
  private final Caller caller;
  private final StreamMeters meters;
  private long seq;
  /** The job as the stream first read it. */
  private JobStatus known;
  /** The id of the last event the client has: sent here, or named by its Last-Event-ID. */
  private long lastId;
  private boolean begun;
  private boolean closed;
  /** A decision announced before the stream had its first state: read the status again once it has. */
  boolean decidedWhileOpening;
  /** Ticks since the job was seen taken without its decision arriving (see {@link StatusStreams}). */
  int ticksTaken;

  /** @param lastEventId the client's Last-Event-ID, or -1 */
  StatusStream(HttpServerResponse response, String jobId, int shard, Caller caller, long lastEventId, StreamMeters meters) {
    this.response = response;
    this.jobId = jobId;
    this.shard = shard;
    this.caller = caller;
    this.lastId = lastEventId;
    this.meters = meters;
  }

  boolean open() {
    return begun && !closed;
  }

  boolean closed() {
    return closed;
  }

  long seq() {
    return seq;
  }

  JobStatus known() {
    return known;
  }

  /**
   * Answers 200 and sends the job's state now (as {@code GET /api/bookings/status/:jobId} shows it to this
   * caller), unless the client has it already; a decided job gets its final event, and the stream ends.
   */
  void begin(JobStatus status) {
    known = status;
    seq = status.seq();
    begun = true;
    response.setStatusCode(200)
        .putHeader("Content-Type", CONTENT_TYPE)
        .putHeader("Cache-Control", "no-store")
        .putHeader("X-Accel-Buffering", "no")
        .setChunked(true);
    if (status.decided()) {
      finish(status);
      return;
    }
    long id = "queued".equals(status.status()) && status.queuePosition() != null ? seq - status.queuePosition() : seq;
    if (id > lastId) {
      send("status", id, status.viewFor(caller));
    } else {
      // Resumed with nothing new: the head goes out now, so the client knows it is connected.
      response.write(": resumed\n\n");
    }
  }

  /** The job's place in line from this tick's head: 0 once taken. Sent when it moved on. */
  void place(long place) {
    if (!open()) {
      return;
    }
    if (place == 0) {
      // Taken, most likely in process: nothing is sent until the outcome. (A job skipped while its event is
      // paused, or handed back after its worker died, looks the same from the head; the status answer tells.)
      ticksTaken++;
    } else if (seq - place > lastId && !response.writeQueueFull()) {
      // A client that does not read loses positions (the next one says more), never the final event.
      send("position", seq - place, new JsonObject().put("jobId", jobId).put("status", "queued").put("queuePosition", place));
    }
  }

  /** The final event (the decided job as the status answer shows it to this caller), then the end. */
  void finish(JobStatus status) {
    if (closed) {
      return;
    }
    send(status.status(), seq + 1, status.viewFor(caller));
    close();
  }

  /** A comment line: proxies see traffic, clients ignore it. Skipped for a client not reading. */
  void heartbeat() {
    if (open() && !response.writeQueueFull()) {
      response.write(": hb\n\n");
    }
  }

  /** Ends the stream (the job decided, or the node stopping). */
  void close() {
    if (closed) {
      return;
    }
    closed = true;
    if (begun && !response.ended() && !response.closed()) {
      response.end();
    }
  }

  private void send(String event, long id, JsonObject data) {
    lastId = id;
    response.write("id: " + id + "\nevent: " + event + "\ndata: " + data.encode() + "\n\n");
    meters.streamEventsSent(1);
  }
}
