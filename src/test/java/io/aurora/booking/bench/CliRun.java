package io.aurora.booking.bench;

import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;

/** A bench's command line run in the test: what it printed on standard output and error, and its exit code. */
final class CliRun {

  final StringWriter out = new StringWriter();
  final StringWriter err = new StringWriter();

  /** Runs {@code cli} with {@code args}, its output captured here; returns its exit code. */
  int execute(CommandLine cli, String... args) {
    cli.setOut(new PrintWriter(out));
    cli.setErr(new PrintWriter(err));
    return cli.execute(args);
  }

  /** What it printed, white space folded (help text wraps where the terminal width says). */
  String printed() {
    return out.toString().replaceAll("\\s+", " ");
  }
}
