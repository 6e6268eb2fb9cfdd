package io.aurora.booking.bench;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The AppCDS training run (what {@code -Pappcds} and the Docker image run under -XX:ArchiveClassesAtExit):
 * it boots the service on its own embedded servers, every user's booking is accepted, and it ends with 0.
 */
class ColdStartTrainingTest {

  private final CliRun run = new CliRun();

  @Test
  void bootsTheServiceBooksForEveryUserAndStopsWithSuccess() {
    assertEquals(0, run.execute(ColdStartTraining.commandLine(), "--users", "40", "--concurrency", "8"), run.err.toString());
    JsonObject result = new JsonObject(run.out.toString().strip());
    assertEquals(40, result.getInteger("users"));
    assertEquals(40, result.getInteger("accepted"));
  }

  @Test
  void noUsersIsAUsageError() {
    assertEquals(CommandLine.ExitCode.USAGE, run.execute(ColdStartTraining.commandLine(), "--users", "0"));
    assertTrue(run.err.toString().contains("--users"), run.err.toString());
  }
}
