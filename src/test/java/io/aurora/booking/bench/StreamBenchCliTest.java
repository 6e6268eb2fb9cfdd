package io.aurora.booking.bench;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The stream bench's command line, parsed and answered without opening a stream. */
class StreamBenchCliTest {

  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  private int execute(String... args) {
    CommandLine cli = StreamBench.commandLine();
    cli.setOut(new PrintWriter(out));
    cli.setErr(new PrintWriter(err));
    return cli.execute(args);
  }

  @Test
  void helpListsEveryOptionWithItsDefaultAndStartsNothing() {
    assertEquals(0, execute("--help"));
    String help = out.toString().replaceAll("\\s+", " ");
    for (String option : List.of("--streams", "--rounds", "--step", "--open-concurrency", "--url", "--shards", "--admin-email", "--admin-password")) {
      assertTrue(help.contains(option), option + " missing from the help:\n" + help);
    }
    assertTrue(help.contains("default: 20000"), help);
    assertEquals("", err.toString());
  }

  @Test
  void aMistypedOptionOrAnIncompleteTargetIsAUsageError() {
    assertEquals(CommandLine.ExitCode.USAGE, execute("--streamz", "10"));
    assertTrue(err.toString().contains("--streamz"), err.toString());
    assertEquals(CommandLine.ExitCode.USAGE, execute("--url", "http://127.0.0.1:1"));
    assertTrue(err.toString().contains("--admin-email"), err.toString());
    assertEquals(CommandLine.ExitCode.USAGE, execute("--streams", "0"));
  }
}
