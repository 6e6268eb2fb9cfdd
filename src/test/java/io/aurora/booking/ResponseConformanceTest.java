package io.aurora.booking;

import io.aurora.booking.http.ApiContract;
import io.aurora.booking.testing.ContractCheck;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import io.vertx.openapi.contract.Operation;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.Set;
import java.util.TreeSet;

import static io.aurora.booking.testing.TestApp.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

/**
 * Every operation of the OpenAPI document is exercised by the suite: {@link ContractCheck} checks each
 * response a test sees against the document, and this test, run after all the others
 * ({@code ContractCoverageLast}), asks that no operation went unchecked. It means something only after the
 * whole default suite ({@code ./mvnw test}); run on its own it has nothing to judge and is skipped, and a
 * run of a few chosen classes should leave it out.
 */
@ExtendWith(VertxExtension.class)
class ResponseConformanceTest {

  @Test
  void everyOperationOfTheDocumentIsExercisedBySuite(Vertx vertx) {
    Set<String> exercised = ContractCheck.exercised();
    assumeFalse(exercised.isEmpty(), "no test before this one talked to the application");
    Set<String> operations = new TreeSet<>();
    for (Operation operation : await(ApiContract.load(vertx)).contract().operations()) {
      operations.add(operation.getOperationId());
    }
    Set<String> missed = new TreeSet<>(operations);
    missed.removeAll(exercised);
    assertEquals(Set.of(), missed, "operations no test exercised (so no response of theirs was checked)");
  }
}
