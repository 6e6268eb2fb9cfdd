package io.aurora.booking.bus;

import io.aurora.booking.bus.Messages.EnqueueReply;
import io.aurora.booking.bus.Messages.EnqueueRequest;
import io.aurora.booking.bus.Messages.NodeLeaving;
import io.aurora.booking.http.ApiException;
import io.aurora.booking.http.ErrorCode;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.EventBus;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.util.concurrent.atomic.AtomicReference;

import static io.aurora.booking.testing.TestApp.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The event-bus contract on a real Vert.x: records pass on their node as they are, a record published to
 * other nodes survives its wire form, and failures come back as the {@link ErrorCode} they left as.
 */
@ExtendWith(VertxExtension.class)
class BusContractTest {

  private static final String ADDRESS = "test.service";

  @BeforeEach
  void registerCodecs(Vertx vertx) {
    EventBus bus = vertx.eventBus();
    Messages.codecs().forEach(codec -> register(bus, codec));
  }

  private static <T> void register(EventBus bus, BusCodec<T> codec) {
    bus.registerDefaultCodec(codec.type(), codec);
  }

  @Test
  void aLocalRequestAndItsAnswerAreHandedOverAsTheyAreWithNoCopy(Vertx vertx) {
    EnqueueRequest request = new EnqueueRequest(7, 42, 2, "key-1", "192.0.2.1");
    EnqueueReply reply = new EnqueueReply("3-abc", 5, 2, false, false, false, java.util.List.of());
    AtomicReference<Object> received = new AtomicReference<>();
    await(vertx.eventBus().<EnqueueRequest>localConsumer(ADDRESS, msg -> {
      received.set(msg.body());
      Requests.reply(msg, Future.succeededFuture(reply));
    }).completion());

    EnqueueReply answer = await(new Requests(vertx).<EnqueueReply>send(ADDRESS, request));

    assertSame(request, received.get());
    assertSame(reply, answer);
  }

  @Test
  void aFailureComesBackAsTheErrorCodeItLeftAs(Vertx vertx) {
    await(vertx.eventBus().localConsumer(ADDRESS, msg ->
        Requests.reply(msg, Future.failedFuture(ErrorCode.EVENT_STARTED.error("Event 42 has already started")))).completion());

    Throwable failure = assertThrows(RuntimeException.class, () -> await(new Requests(vertx).send(ADDRESS, null)));

    ApiException api = assertInstanceOf(ApiException.class, failure);
    assertEquals(ErrorCode.EVENT_STARTED, api.code());
    assertEquals("Event 42 has already started", api.getMessage());
  }

  @Test
  void aDependencyFaultIsA503AndAnythingElseA500WithoutItsDetails(Vertx vertx) {
    await(vertx.eventBus().<String>localConsumer(ADDRESS, msg -> Requests.reply(msg, Future.failedFuture(
        "fault".equals(msg.body()) ? new IOException("connection reset") : new IllegalStateException("a secret detail")))).completion());
    Requests requests = new Requests(vertx);

    ApiException fault = assertInstanceOf(ApiException.class, assertThrows(RuntimeException.class, () -> await(requests.send(ADDRESS, "fault"))));
    ApiException bug = assertInstanceOf(ApiException.class, assertThrows(RuntimeException.class, () -> await(requests.send(ADDRESS, "bug"))));

    assertEquals(ErrorCode.SERVICE_UNAVAILABLE, fault.code());
    assertEquals(ErrorCode.INTERNAL, bug.code());
    assertEquals("Internal error", bug.getMessage());
  }

  @Test
  void noServiceAtTheAddressIsA503(Vertx vertx) {
    Throwable failure = assertThrows(RuntimeException.class, () -> await(new Requests(vertx).send("nobody.here", null)));

    assertEquals(ErrorCode.SERVICE_UNAVAILABLE, assertInstanceOf(ApiException.class, failure).code());
  }

  @Test
  void aRecordForOtherNodesSurvivesItsWireForm() {
    BusCodec<NodeLeaving> codec = wireCodec();
    Buffer wire = Buffer.buffer().appendString("header");
    codec.encodeToWire(wire, new NodeLeaving("5b0c-member"));

    assertEquals(new NodeLeaving("5b0c-member"), codec.decodeFromWire("header".length(), wire));
  }

  @Test
  void aLocalRecordRefusesToLeaveItsNode() {
    BusCodec<EnqueueRequest> codec = BusCodec.local(EnqueueRequest.class);

    assertThrows(IllegalStateException.class, () -> codec.encodeToWire(Buffer.buffer(), new EnqueueRequest(1, 2, 1, null, "192.0.2.1")));
  }

  @SuppressWarnings("unchecked")
  private static BusCodec<NodeLeaving> wireCodec() {
    return (BusCodec<NodeLeaving>) Messages.codecs().stream().filter(c -> c.type() == NodeLeaving.class).findFirst().orElseThrow();
  }
}
