package io.aurora.booking.bench;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The stream bench's command line, parsed and answered without opening a stream. */
class StreamBenchCliTest {

  private final CliRun run = new CliRun();

  private int execute(String... args) {
    return run.execute(StreamBench.commandLine(), args);
  }

  @Test
  void helpListsEveryOptionWithItsDefaultAndStartsNothing() {
    assertEquals(0, execute("--help"));
    String help = run.printed();
    for (String option : List.of("--streams", "--rounds", "--step", "--open-concurrency", "--url", "--shards", "--admin-email", "--admin-password")) {
      assertTrue(help.contains(option), option + " missing from the help:\n" + help);
    }
    assertTrue(help.contains("default: 20000"), help);
    assertEquals("", run.err.toString());
  }

  @Test
  void aMistypedOptionOrAnIncompleteTargetIsAUsageError() {
    assertEquals(CommandLine.ExitCode.USAGE, execute("--streamz", "10"));
    assertTrue(run.err.toString().contains("--streamz"), run.err.toString());
    assertEquals(CommandLine.ExitCode.USAGE, execute("--url", "http://127.0.0.1:1"));
    assertTrue(run.err.toString().contains("--admin-email"), run.err.toString());
    assertEquals(CommandLine.ExitCode.USAGE, execute("--streams", "0"));
  }
}
