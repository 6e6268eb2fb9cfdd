package io.aurora.booking.events;

import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;

/** The public shape of an event. {@code time} repeats {@code startsAt} for clients of the original API. */
public final class EventJson {

  private EventJson() {
  }

  public static JsonObject of(Row row) {
    int capacity = row.getInteger("capacity");
    int booked = row.getInteger("booked");
    String startsAt = row.getOffsetDateTime("starts_at").toInstant().toString();
    return new JsonObject()
        .put("id", row.getLong("id"))
        .put("name", row.getString("name"))
        .put("venue", row.getString("venue"))
        .put("startsAt", startsAt)
        .put("time", startsAt)
        .put("capacity", capacity)
        .put("booked", booked)
        .put("seatsLeft", capacity - booked)
        .put("impressions", row.getLong("impressions"))
        .put("createdAt", row.getOffsetDateTime("created_at").toInstant().toString())
        .put("updatedAt", row.getOffsetDateTime("updated_at").toInstant().toString());
  }
}
