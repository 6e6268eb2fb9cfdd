package io.aurora.booking.bus;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.MessageCodec;
import io.vertx.core.json.JsonObject;

import java.util.function.Function;

/**
 * The codec of one message record. On the node that sends it the record itself is handed over (records are
 * immutable, so there is nothing to copy and no JSON at all); a record that crosses nodes is written on the
 * wire as JSON through its own mapping. Registered once per Vert.x as the default codec of its class, by the
 * application root.
 */
public final class BusCodec<T> implements MessageCodec<T, T> {

  private final Class<T> type;
  private final Function<T, JsonObject> toJson;
  private final Function<JsonObject, T> fromJson;

  private BusCodec(Class<T> type, Function<T, JsonObject> toJson, Function<JsonObject, T> fromJson) {
    this.type = type;
    this.toJson = toJson;
    this.fromJson = fromJson;
  }

  /** A record sent on local addresses only: it never needs a wire form. */
  public static <T> BusCodec<T> local(Class<T> type) {
    return new BusCodec<>(type, null, null);
  }

  /** A record published to every node: JSON on the wire, the record itself on the sending node. */
  public static <T> BusCodec<T> wire(Class<T> type, Function<T, JsonObject> toJson, Function<JsonObject, T> fromJson) {
    return new BusCodec<>(type, toJson, fromJson);
  }

  public Class<T> type() {
    return type;
  }

  @Override
  public void encodeToWire(Buffer buffer, T message) {
    if (toJson == null) {
      throw new IllegalStateException(type.getSimpleName() + " is a local message; it cannot be sent to another node");
    }
    Buffer json = toJson.apply(message).toBuffer();
    buffer.appendInt(json.length()).appendBuffer(json);
  }

  @Override
  public T decodeFromWire(int pos, Buffer buffer) {
    if (fromJson == null) {
      throw new IllegalStateException(type.getSimpleName() + " is a local message; it cannot come from another node");
    }
    int length = buffer.getInt(pos);
    return fromJson.apply(new JsonObject(buffer.getBuffer(pos + 4, pos + 4 + length)));
  }

  @Override
  public T transform(T message) {
    return message;
  }

  @Override
  public String name() {
    return type.getName();
  }

  @Override
  public byte systemCodecID() {
    return -1;
  }
}
