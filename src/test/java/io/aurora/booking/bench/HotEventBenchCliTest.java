package io.aurora.booking.bench;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The load generator's command line, parsed and answered without running a load. */
class HotEventBenchCliTest {

  private final CliRun run = new CliRun();

  private int execute(String... args) {
    return run.execute(HotEventBench.commandLine(), args);
  }

  @Test
  void helpListsEveryOptionWithItsDefaultAndStartsNothing() {
    assertEquals(0, execute("--help"));
    String help = run.printed();
    for (String option : List.of("--capacity", "--events", "--users", "--concurrency", "--batch-sizes", "--runs",
        "--warmup-users", "--shards", "--set", "--variants", "--paused", "--enqueue", "--redis-replica", "--url", "--pg-url", "--admin-email", "--admin-password")) {
      assertTrue(help.contains(option), option + " missing from the help:\n" + help);
    }
    assertTrue(help.contains("default: 500"), help);
    assertTrue(help.contains("default: 20000"), help);
    assertTrue(help.contains("default: 256"), help);
    assertEquals("", run.err.toString());
  }

  @Test
  void aMistypedOptionIsAUsageErrorNotIgnored() {
    assertEquals(CommandLine.ExitCode.USAGE, execute("--capasity", "100"));
    assertTrue(run.err.toString().contains("--capasity"), run.err.toString());
    assertEquals("", run.out.toString());
  }

  @Test
  void aValueThatIsNotANumberIsAUsageError() {
    assertEquals(CommandLine.ExitCode.USAGE, execute("--users", "many"));
    assertTrue(run.err.toString().contains("--users"), run.err.toString());
  }

  @Test
  void noOptionsMeansTheDocumentedDefaults() {
    CommandLine cli = HotEventBench.commandLine();
    cli.parseArgs();
    HotEventBench bench = cli.getCommand();
    assertEquals(500, bench.capacity);
    assertEquals(1, bench.events);
    assertEquals(20_000, bench.users);
    assertEquals(256, bench.concurrency);
    assertEquals(List.of(64), bench.batchSizes);
    assertEquals(1, bench.runs);
    assertEquals(0, bench.warmupUsers);
    assertEquals(8, bench.shards);
    assertTrue(bench.serverSettings.isEmpty());
    assertEquals(List.of(""), bench.variants, "one run setting: --set alone");
    assertEquals(HotEventBench.Enqueue.http, bench.enqueue);
    assertNull(bench.url);
  }

  @Test
  void listsAndServerSettingsAreParsed() {
    CommandLine cli = HotEventBench.commandLine();
    cli.parseArgs("--batch-sizes", "1,64", "--set", "redisPoolSize=32,embeddedDurable=false", "--warmup-users", "100");
    HotEventBench bench = cli.getCommand();
    assertEquals(List.of(1, 64), bench.batchSizes);
    assertEquals(Map.of("redisPoolSize", "32", "embeddedDurable", "false"), bench.serverSettings);
    assertEquals(100, bench.warmupUsers);
    bench.validate();
  }

  @Test
  void aPausedCrowdAndVariantsToCompareAreParsed() {
    CommandLine cli = HotEventBench.commandLine();
    cli.parseArgs("--paused", "--enqueue", "redis", "--variants", "soldOutAnswersPerTake=0;soldOutAnswersPerTake=1000,batchSize=32");
    HotEventBench bench = cli.getCommand();
    assertTrue(bench.paused);
    assertEquals(HotEventBench.Enqueue.redis, bench.enqueue);
    assertEquals(List.of("soldOutAnswersPerTake=0", "soldOutAnswersPerTake=1000,batchSize=32"), bench.variants);
    bench.validate();
    assertEquals(CommandLine.ExitCode.USAGE, execute("--variants", "soldOutAnswersPerTake=0;soldOutAnswer=1"));
    assertTrue(run.err.toString().contains("soldOutAnswer"), run.err.toString());
  }

  @Test
  void sizesBelowOneAreUsageErrors() {
    assertEquals(CommandLine.ExitCode.USAGE, execute("--concurrency", "0"));
    assertTrue(run.err.toString().contains("--concurrency"), run.err.toString());
    assertEquals(CommandLine.ExitCode.USAGE, execute("--events", "0"));
    assertTrue(run.err.toString().contains("--events"), run.err.toString());
  }

  @Test
  void anUnknownServerSettingIsAUsageError() {
    assertEquals(CommandLine.ExitCode.USAGE, execute("--set", "redisPoolSise=32"));
    assertTrue(run.err.toString().contains("redisPoolSise"), run.err.toString());
  }

  @Test
  void aRunningServerNeedsItsDatabaseAndAnAdmin() {
    assertEquals(CommandLine.ExitCode.USAGE, execute("--url", "http://127.0.0.1:1"));
    assertTrue(run.err.toString().contains("--pg-url"), run.err.toString());
  }

  @Test
  void replicasToWaitForNeedTheBenchsReplicatedRedis() {
    assertEquals(CommandLine.ExitCode.USAGE, execute("--variants", "redisMinReplicas=0;redisMinReplicas=1"));
    assertTrue(run.err.toString().contains("--redis-replica"), run.err.toString());
    CommandLine cli = HotEventBench.commandLine();
    cli.parseArgs("--redis-replica", "--set", "redisMinReplicas=1");
    HotEventBench bench = cli.getCommand();
    assertTrue(bench.redisReplica);
    bench.validate();
    assertEquals(CommandLine.ExitCode.USAGE, execute("--redis-replica", "--url", "http://127.0.0.1:1", "--pg-url",
        "postgresql://u@127.0.0.1:1/db", "--admin-email", "a@example.com", "--admin-password", "pw"));
    assertTrue(run.err.toString().contains("--redis-replica need"), run.err.toString());
  }

  @Test
  void warmUpIsAcceptedAgainstARunningServer() {
    CommandLine cli = HotEventBench.commandLine();
    cli.parseArgs("--url", "http://127.0.0.1:1", "--pg-url", "postgresql://u@127.0.0.1:1/db",
        "--admin-email", "a@example.com", "--admin-password", "pw", "--warmup-users", "1000");
    HotEventBench bench = cli.getCommand();
    bench.validate();
    assertEquals(1000, bench.warmupUsers);
  }
}
