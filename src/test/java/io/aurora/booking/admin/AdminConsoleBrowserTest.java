package io.aurora.booking.admin;

import io.aurora.booking.notifications.NotificationServers;
import io.aurora.booking.notifications.WebhookReceiver;
import io.aurora.booking.queue.Sharding;
import io.aurora.booking.testing.TcpProxy;
import io.aurora.booking.testing.TestApp;
import io.aurora.booking.testing.TestApp.TestUser;
import io.aurora.booking.testing.TestServices;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.VertxExtension;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Transaction;
import io.vertx.sqlclient.Tuple;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.extension.TestExecutionExceptionHandler;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedCondition;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.function.LongPredicate;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The admin console in a real headless Chromium (Debian's {@code chromium} and {@code chromium-driver}),
 * against the real application: what an admin sees and does in the page is checked against the API and
 * PostgreSQL. Skipped, saying why, on a machine without those two packages.
 */
@ExtendWith(VertxExtension.class)
class AdminConsoleBrowserTest {

  private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
  /** The page polls every second; this leaves room for a slow, busy machine. */
  private static final Duration PAGE = Duration.ofSeconds(20);
  private static final Duration BOOKINGS_DECIDED = Duration.ofSeconds(60);
  private static final int CROWD = 2_000;
  private static final int SEATS = 100;
  /**
   * Where the screenshots of each screen are kept, as build artefacts ({@code -Daurora.screenshots=DIR} to move
   * them); a failure's screenshot goes to the temporary directory as well.
   */
  private static final String SCREENSHOTS = System.getProperty("aurora.screenshots", "target/admin-console-screenshots");

  private static final boolean BROWSER_INSTALLED = Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER);
  private static final String NO_BROWSER = "Skipping the admin console's browser tests: they need " + CHROMIUM
      + " and " + CHROMEDRIVER + " (Debian packages chromium and chromium-driver: apt-get install -y chromium chromium-driver)";

  /** axe-core 4.14.1 (MPL-2.0), vendored from npm into the test resources: the accessibility checker. */
  private static final String AXE = readResource("/axe/axe.min.js");

  private static TestApp app;
  /** The application's PostgreSQL connections lead through this, so that a test can cut them. */
  private static TcpProxy pgProxy;
  private static NotificationServers notifications;
  private static Path profile;
  private static ChromeDriverService driverService;
  private static WebDriver browser;
  private static String baseUrl;

  /** Keeps what the page showed when a test failed, before {@code @AfterEach} changes it. */
  @RegisterExtension
  static final TestExecutionExceptionHandler SCREENSHOT_ON_FAILURE = (context, failure) -> {
    if (browser != null) {
      try {
        Path file = screenshot(Path.of(System.getProperty("java.io.tmpdir")), "aurora-admin-console-failed-"
            + context.getRequiredTestMethod().getName());
        System.err.println("The admin console when " + context.getDisplayName() + " failed: " + file);
      } catch (RuntimeException e) {
        failure.addSuppressed(e);
      }
    }
    throw failure;
  };

  @BeforeAll
  static void deployAndStartTheBrowser(Vertx vertx) throws IOException {
    if (!BROWSER_INSTALLED) {
      // Said here as well: Surefire shows a skipped test's reason only in its report files.
      System.err.println(NO_BROWSER);
      return;
    }
    String pgUrl = TestServices.get().newDatabase();
    String redisUrl = TestServices.get().newRedisDb();
    pgProxy = TcpProxy.startFor(vertx, pgUrl);
    // A real webhook receiver (and SMTP server) for the webhooks screen; loopback targets allowed, quick retries.
    notifications = NotificationServers.start(vertx, 0);
    app = TestApp.start(vertx, TestApp.baseConfig(pgProxy.route(pgUrl), redisUrl)
        .mergeIn(new JsonObject(notifications.appSettings(Map.of()))), pgUrl, redisUrl);
    baseUrl = "http://127.0.0.1:" + app.config.httpPort();
    profile = Files.createTempDirectory("aurora-chromium-profile");
    // Given both the driver and the browser, Selenium never runs Selenium Manager, which would download them.
    System.setProperty(ChromeDriverService.CHROME_DRIVER_EXE_PROPERTY, CHROMEDRIVER.toString());
    driverService = new ChromeDriverService.Builder()
        .usingDriverExecutable(CHROMEDRIVER.toFile())
        .usingAnyFreePort()
        .build();
    ChromeOptions options = new ChromeOptions()
        .setBinary(CHROMIUM.toFile())
        .addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--disable-default-apps", "--disable-extensions", "--no-first-run", "--no-default-browser-check",
            "--window-size=1280,1000", "--user-data-dir=" + profile);
    browser = new ChromeDriver(driverService, options);
  }

  @AfterAll
  static void stopEverything() throws IOException {
    try {
      if (browser != null) {
        browser.quit();
      }
      if (driverService != null) {
        driverService.stop();
      }
    } finally {
      if (profile != null) {
        try (Stream<Path> files = Files.walk(profile)) {
          files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        }
      }
      if (app != null) {
        app.close();
      }
      if (pgProxy != null) {
        pgProxy.close();
      }
      if (notifications != null) {
        notifications.close();
      }
    }
  }

  @BeforeEach
  void openTheConsoleLoggedOut() {
    assumeTrue(BROWSER_INSTALLED, NO_BROWSER);
    browser.get(baseUrl + "/admin");
    ((JavascriptExecutor) browser).executeScript("sessionStorage.clear()");
    browser.navigate().refresh();
    waitFor(ExpectedConditions.visibilityOfElementLocated(testId("login-view")), "the login form");
  }

  @AfterEach
  void healAndResume() {
    if (app == null) {
      return;
    }
    pgProxy.restore();
    TestApp.awaitCondition("PostgreSQL to answer the application again", PAGE,
        () -> app.get("/ready", null).statusCode() == 200);
    app.post("/api/admin/queue/resume", app.adminToken(), null);
  }

  // ---- the behaviour ----

  @Test
  void aNonAdminOrAWrongPasswordIsRefusedAtTheLogin() {
    assertEquals(baseUrl + "/admin/", browser.getCurrentUrl(), "/admin redirects to /admin/");

    TestUser user = app.user();
    logIn(user.email(), TestApp.USER_PASSWORD);
    waitFor(ExpectedConditions.textToBePresentInElementLocated(testId("login-error"), "is not an admin"),
        "the page to refuse a USER");
    assertTrue(element("login-error").getText().contains(user.email()));
    assertFalse(element("console-view").isDisplayed());
    assertNull(storedToken(), "a refused token is not kept");

    logIn(TestApp.ADMIN_EMAIL, "not-the-password");
    waitFor(ExpectedConditions.textToBePresentInElementLocated(testId("login-error"), "Email or password is wrong"),
        "the page to refuse a wrong password");
    assertFalse(element("console-view").isDisplayed());
    assertNull(storedToken());
    keepScreenshot("aurora-admin-console-login-refused");
  }

  @Test
  void bookingsHeldByAPauseShowAsWaitingAndResumeDecidesThemInThePage() {
    logInAsAdmin();
    long eventId = app.createEvent("Console Night", 5, Instant.now().plus(Duration.ofDays(10)));
    String event = "event-" + eventId;
    awaitNumber(event + "-seats-left", n -> n == 5, PAGE, "the new event with 5 seats left");
    String shard = "shard-" + Sharding.shardOf(eventId, app.config.shards());
    long confirmed = number("outcome-confirmed");
    long soldOut = number("outcome-sold-out");
    long waiting = number("total-waiting");
    long shardWaiting = number(shard + "-waiting");

    element("pause-queue").click();
    waitFor(ExpectedConditions.textToBe(testId("queue-state"), "Paused"), "the queue to show as paused");
    assertTrue(app.queueStats().getBoolean("paused"), "the button paused the queue through the API");

    List<String> jobs = app.users(8).stream().map(user -> app.bookJob(user.token(), eventId)).toList();
    awaitNumber("total-waiting", n -> n == waiting + 8, PAGE, "8 more bookings waiting in the page");
    awaitNumber(shard + "-waiting", n -> n == shardWaiting + 8, PAGE, "8 more waiting on the event's shard");
    assertEquals(0, number("total-processing"));
    assertEquals(5, number(event + "-seats-left"));
    assertEquals(0, app.queryLong("SELECT count(*) FROM bookings WHERE event_id = $1", eventId), "nothing decided while paused");
    keepScreenshot("aurora-admin-console-paused");

    element("resume-queue").click();
    waitFor(ExpectedConditions.textToBe(testId("queue-state"), "Running"), "the queue to show as running");
    awaitNumber("total-waiting", n -> n == 0, BOOKINGS_DECIDED, "the waiting count to drop to 0");
    awaitNumber("outcome-confirmed", n -> n == confirmed + 5, BOOKINGS_DECIDED, "5 more confirmed");
    awaitNumber("outcome-sold-out", n -> n == soldOut + 3, BOOKINGS_DECIDED, "3 more sold out");
    awaitNumber(event + "-seats-left", n -> n == 0, PAGE, "the event to show sold out");
    assertEquals("100.0 %", element(event + "-utilisation").getText());
    keepScreenshot("aurora-admin-console-resumed");

    List<JsonObject> outcomes = jobs.stream().map(app::awaitJob).toList();
    assertEquals(5, outcomes.stream().filter(job -> "completed".equals(job.getString("status"))).count());
    assertTrue(outcomes.stream().filter(job -> "failed".equals(job.getString("status")))
        .allMatch(job -> "SOLD_OUT".equals(job.getString("error"))));
    assertEquals(5, app.queryLong("SELECT count(*) FROM bookings WHERE event_id = $1 AND status = 'CONFIRMED'", eventId));
    assertEquals(5, app.queryLong("SELECT booked FROM events WHERE id = $1", eventId));
    assertEquals(app.queryLong("SELECT count(*) FROM bookings WHERE status = 'CONFIRMED'"), number("bookings-confirmed"));
  }

  /**
   * The issue's sell-out, seen by an operator: a crowd of 2,000 for 100 seats shows 100 confirmed and 1,900
   * sold out, each under its own outcome, and no fault: the sold-out answers are the system working.
   */
  @Test
  void aCrowdSellingOutShowsSoldOutAnswersAsOutcomesNotFailures() {
    logInAsAdmin();
    long eventId = app.createEvent(SEATS);
    long confirmed = number("outcome-confirmed");
    long soldOut = number("outcome-sold-out");
    long internal = number("outcome-internal");

    // As careful clients send them: a 503 (a machine too busy to answer in time) is sent again with its key.
    List<Future<HttpResponse<Buffer>>> sent = app.users(CROWD).stream().map(user -> app.bookRetryingBusy(user.token(), eventId)).toList();
    TestApp.await(Future.all(sent));
    Map<Integer, Long> statuses = sent.stream().collect(Collectors.groupingBy(f -> f.result().statusCode(), Collectors.counting()));
    assertEquals(Map.of(202, (long) CROWD), statuses, "every request was accepted");
    awaitNumber("outcome-confirmed", n -> n == confirmed + SEATS, BOOKINGS_DECIDED, SEATS + " more confirmed");
    awaitNumber("outcome-sold-out", n -> n == soldOut + CROWD - SEATS, BOOKINGS_DECIDED, (CROWD - SEATS) + " more sold out");
    awaitNumber("total-waiting", n -> n == 0, PAGE, "the queue to drain");
    assertTrue(element("outcome-sold-out").getText().matches("[0-9]{1,3}(,[0-9]{3})+"), "thousands separated: "
        + element("outcome-sold-out").getText());
    assertEquals(internal, number("outcome-internal"), "no fault");
    if (internal == 0) {
      assertFalse(element("internal-tile").getAttribute("class").contains("nonzero"), "nothing shown as a failure");
    }
    assertEquals(SEATS, app.queryLong("SELECT count(*) FROM bookings WHERE event_id = $1 AND status = 'CONFIRMED'", eventId));
    assertEquals(SEATS, app.queryLong("SELECT booked FROM events WHERE id = $1", eventId));
    waitFor(driver -> !element("event-" + eventId + "-sold-out-at").getText().equals("–"), "the event's sold-out time");
    for (String chart : List.of("chart-rates", "chart-wait", "chart-depth")) {
      waitFor(driver -> Long.parseLong(element(chart).getAttribute("data-points")) > 1, chart + " to have points");
      assertFalse(browser.findElements(By.cssSelector("[data-testid='" + chart + "'] canvas")).isEmpty(), chart + " is drawn");
    }
    keepScreenshot("aurora-admin-console-crowd-sold-out");
    ((JavascriptExecutor) browser).executeScript("document.getElementById('outcomes-title').scrollIntoView()");
    keepScreenshot("aurora-admin-console-crowd-outcomes");
  }

  /** An operator manages an event from the page alone: creates, edits, pauses and resumes it, then deletes it. */
  @Test
  void anEventIsCreatedEditedPausedAndDeletedFromThePage() {
    logInAsAdmin();
    String name = "Console Gala " + System.nanoTime();
    element("new-event").findElement(By.tagName("summary")).click();
    element("event-name").sendKeys(name);
    element("event-venue").sendKeys("Main Hall");
    setValue("event-starts", "2031-05-01T19:30");
    element("event-capacity").sendKeys("40");
    element("event-create").click();
    waitFor(ExpectedConditions.textToBePresentInElementLocated(testId("event-result"), "Created event #"), "the event to be created");
    long eventId = app.queryLong("SELECT id FROM events WHERE name = $1", name);
    String event = "event-" + eventId;
    assertEquals(40, app.queryLong("SELECT capacity FROM events WHERE id = $1", eventId));
    assertEquals(localInstant("2031-05-01T19:30"), startsAt(eventId), "the start is the operator's local time");
    awaitNumber(event + "-capacity", n -> n == 40, PAGE, "the new event in the table");
    keepScreenshot("aurora-admin-console-event-created");

    element(event + "-edit").click();
    WebElement capacity = element("edit-capacity");
    capacity.clear();
    capacity.sendKeys("60");
    setValue("edit-starts", "2031-06-02T20:00");
    keepScreenshot("aurora-admin-console-event-edit");
    element("edit-save").click();
    waitFor(ExpectedConditions.textToBePresentInElementLocated(testId("event-result"), "Saved event #" + eventId), "the edit to be saved");
    assertEquals(60, app.queryLong("SELECT capacity FROM events WHERE id = $1", eventId));
    assertEquals(localInstant("2031-06-02T20:00"), startsAt(eventId));
    awaitNumber(event + "-capacity", n -> n == 60, PAGE, "the new capacity in the table");

    element(event + "-pause").click();
    waitFor(ExpectedConditions.textToBe(testId(event + "-queue-state"), "paused"), "the event to show as paused");
    assertTrue(pausedEvents().contains(eventId), "paused in the queue, through the API");
    assertEquals("Resume", element(event + "-pause").getText());
    element(event + "-pause").click();
    waitFor(ExpectedConditions.textToBe(testId(event + "-queue-state"), "running"), "the event to show as running");
    assertFalse(pausedEvents().contains(eventId));

    assertEquals("completed", app.awaitJob(app.bookJob(app.user().token(), eventId)).getString("status"));
    element(event + "-edit").click();
    element("edit-delete").click();
    waitFor(ExpectedConditions.visibilityOfElementLocated(testId("delete-confirm")), "the page to ask before cancelling bookings");
    assertTrue(element("delete-confirm").getText().contains("1 booked seats"), element("delete-confirm").getText());
    assertEquals(0, app.queryLong("SELECT count(*) FROM events WHERE id = $1 AND deleted_at IS NOT NULL", eventId), "not deleted yet");
    element("delete-force").click();
    waitFor(ExpectedConditions.textToBePresentInElementLocated(testId("event-result"), "Deleted event #" + eventId), "the delete");
    assertEquals(1, app.queryLong("SELECT count(*) FROM events WHERE id = $1 AND deleted_at IS NOT NULL", eventId));
    assertEquals(0, app.queryLong("SELECT count(*) FROM bookings WHERE event_id = $1 AND status = 'CONFIRMED'", eventId));
    waitFor(ExpectedConditions.invisibilityOfElementLocated(testId(event)), "the row to go");
  }

  /**
   * An operator finds a job by its id and a user's jobs by email; a job whose retries ran out (made honestly:
   * another transaction holds the event's row lock past every retry) shows in the INTERNAL list, and its retry
   * from the page books it.
   */
  @Test
  void aJobIsFoundByIdAndByEmailAndAnInternalJobIsRetriedFromThePage() {
    logInAsAdmin();
    long eventId = app.createEvent(10);
    TestUser user = app.user();
    String done = app.bookJob(user.token(), eventId);
    assertEquals("completed", app.awaitJob(done).getString("status"));

    findJob(done);
    waitFor(ExpectedConditions.textToBe(testId("job-" + done + "-status"), "completed"), "the job found by id");
    assertEquals("1", element("job-" + done + "-attempts").getText());
    assertTrue(element("job-" + done + "-outcome").getText().startsWith("CONFIRMED"), element("job-" + done + "-outcome").getText());
    assertEquals(String.valueOf(user.id()), element("job-" + done + "-user").getText());
    findJob(user.email());
    waitFor(ExpectedConditions.textToBePresentInElementLocated(testId("job-result"), "1 job of " + user.email()), "the user's jobs");
    assertEquals("completed", element("job-" + done + "-status").getText());
    keepScreenshot("aurora-admin-console-job-by-email");

    String stuck;
    SqlConnection blocker = TestApp.await(app.db.getConnection());
    Transaction tx = TestApp.await(blocker.begin());
    TestApp.await(blocker.preparedQuery("SELECT id FROM events WHERE id = $1 FOR UPDATE").execute(Tuple.of(eventId)));
    try {
      stuck = app.bookJob(app.user().token(), eventId);
      assertEquals("INTERNAL", app.awaitJob(stuck).getString("error"));
    } finally {
      TestApp.await(tx.rollback());
      blocker.close();
    }
    waitFor(ExpectedConditions.visibilityOfElementLocated(testId("internal-" + stuck + "-retry")), "the INTERNAL job in its list");
    awaitNumber("outcome-internal", n -> n >= 1, PAGE, "the fault counted");
    assertTrue(element("internal-tile").getAttribute("class").contains("nonzero"), "a fault is shown as a failure");
    keepScreenshot("aurora-admin-console-internal-job");

    element("internal-" + stuck + "-retry").click();
    waitFor(ExpectedConditions.textToBePresentInElementLocated(testId("job-result"), "back in line"), "the retry");
    assertEquals("completed", app.awaitJob(stuck).getString("status"));
    assertEquals(1, app.queryLong("SELECT count(*) FROM bookings WHERE job_id = $1 AND status = 'CONFIRMED'", stuck));
    waitFor(ExpectedConditions.invisibilityOfElementLocated(testId("internal-" + stuck)), "the job to leave the INTERNAL list");
    findJob(stuck);
    waitFor(ExpectedConditions.textToBe(testId("job-" + stuck + "-status"), "completed"), "the retried job completed in the page");
  }

  /** The cluster view: this node, and every shard's owner and fencing epoch, as the API reports them. */
  @Test
  void theClusterViewShowsTheNodesAndEveryShardsOwner() {
    logInAsAdmin();
    JsonObject cluster = app.get("/api/admin/cluster", app.adminToken()).bodyAsJsonObject();
    waitFor(ExpectedConditions.textToBePresentInElementLocated(testId("cluster-summary"), "every shard owned"), "the cluster view");
    assertTrue(element("cluster-summary").getText().contains("1 node"), element("cluster-summary").getText());
    for (int shard = 0; shard < app.config.shards(); shard++) {
      JsonObject owner = cluster.getJsonArray("shards").getJsonObject(shard);
      assertEquals(owner.getString("ownerName"), element("owner-" + shard + "-name").getText());
      assertEquals(String.valueOf(owner.getLong("epoch")), element("owner-" + shard + "-epoch").getText().replace(",", ""));
      assertEquals("yes", element("owner-" + shard + "-alive").getText());
    }
  }

  private static void findJob(String query) {
    WebElement field = element("job-query");
    field.clear();
    field.sendKeys(query);
    element("job-find").click();
  }

  /**
   * axe-core (vendored in the test resources) finds no serious or critical accessibility violation on the login
   * page and on the console with figures, charts, events and jobs, at 1280 px and at a phone's width; the page
   * fits a phone's width without scrolling sideways, and the keyboard focus is visible.
   */
  @Test
  void theConsoleHasNoSeriousAccessibilityViolationsOnADesktopOrAPhone() {
    assertEquals(List.of(), seriousViolations(), "the login page");
    logInAsAdmin();
    long eventId = app.createEvent(3);
    app.awaitJob(app.bookJob(app.user().token(), eventId));
    awaitNumber("event-" + eventId + "-booked", n -> n == 1, PAGE, "the event and its booking");
    waitFor(driver -> Long.parseLong(element("chart-rates").getAttribute("data-points")) > 0, "the charts");
    findJob(app.user().email());
    waitFor(ExpectedConditions.textToBePresentInElementLocated(testId("job-result"), "job"), "a job search");
    assertEquals(List.of(), seriousViolations(), "the console at 1280 px");

    WebElement find = element("job-find");
    ((JavascriptExecutor) browser).executeScript("arguments[0].focus()", find);
    // A key press makes the focus a keyboard focus, which :focus-visible shows.
    find.sendKeys(org.openqa.selenium.Keys.SHIFT);
    String outline = (String) ((JavascriptExecutor) browser).executeScript(
        "const s = getComputedStyle(arguments[0]); return s.outlineStyle + ' ' + s.outlineWidth", find);
    assertTrue(outline.startsWith("solid") && !outline.endsWith(" 0px"), "a visible focus ring: " + outline);

    browser.manage().window().setSize(new org.openqa.selenium.Dimension(390, 844));
    try {
      new WebDriverWait(browser, PAGE, Duration.ofMillis(100))
          .withMessage(() -> "waiting for the page to fit a phone's width; wider: " + ((JavascriptExecutor) browser).executeScript(
              "return [document.documentElement.scrollWidth, window.innerWidth, document.documentElement.clientWidth]"
                  + ".concat([...document.querySelectorAll('body *')].filter((e) => e.getBoundingClientRect().right"
                  + " > document.documentElement.clientWidth && !e.parentElement.closest('.table-scroll')).map((e) => e.tagName"
                  + " + '#' + e.id + '.' + e.className + ':' + Math.round(e.getBoundingClientRect().right)))"))
          .until(driver -> (Boolean) ((JavascriptExecutor) driver).executeScript(
              "return document.documentElement.scrollWidth <= window.innerWidth"));
      keepScreenshot("aurora-admin-console-phone");
      assertEquals(List.of(), seriousViolations(), "the console at a phone's width");
    } finally {
      browser.manage().window().setSize(new org.openqa.selenium.Dimension(1280, 1000));
    }
  }

  /** axe-core's serious and critical violations on the page as it is, one line each (rule, help, elements). */
  @SuppressWarnings("unchecked")
  private static List<String> seriousViolations() {
    JavascriptExecutor js = (JavascriptExecutor) browser;
    if (!Boolean.TRUE.equals(js.executeScript("return typeof window.axe !== 'undefined'"))) {
      js.executeScript(AXE);
    }
    browser.manage().timeouts().scriptTimeout(Duration.ofSeconds(60));
    return (List<String>) js.executeAsyncScript("""
        const done = arguments[arguments.length - 1];
        axe.run(document, { resultTypes: ['violations'] })
          .then((r) => done(r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
            .map((v) => v.id + ' (' + v.impact + '): ' + v.help + ' at ' + v.nodes.map((n) => n.target.join(' ')).join(', '))))
          .catch((e) => done(['axe failed: ' + e]));""");
  }

  private static void setValue(String id, String value) {
    // A datetime-local field takes its value as the page's own script would; typing into it depends on the locale.
    ((JavascriptExecutor) browser).executeScript("arguments[0].value = arguments[1]", element(id), value);
  }

  /** A datetime-local value read in the operator's (the browser's, here this machine's) time zone. */
  private static Instant localInstant(String value) {
    return java.time.LocalDateTime.parse(value).atZone(java.time.ZoneId.systemDefault()).toInstant();
  }

  private static Instant startsAt(long eventId) {
    return app.queryRows("SELECT starts_at FROM events WHERE id = $1", eventId).get(0).getOffsetDateTime("starts_at").toInstant();
  }

  private static List<Long> pausedEvents() {
    return app.queueStats().getJsonArray("shards").stream().map(JsonObject.class::cast)
        .flatMap(shard -> shard.getJsonArray("pausedEvents").stream().map(id -> ((Number) id).longValue())).toList();
  }

  @Test
  void cleanDropsFinishedJobRecordsButKeepsTheBookings() {
    logInAsAdmin();
    long eventId = app.createEvent(3);
    String jobId = app.bookJob(app.user().token(), eventId);
    assertEquals("completed", app.awaitJob(jobId).getString("status"));

    WebElement olderThan = element("clean-older-than");
    olderThan.clear();
    olderThan.sendKeys("0");
    element("clean-queue").click();
    waitFor(ExpectedConditions.textToBePresentInElementLocated(testId("action-result"), "Removed"), "the clean to report");
    assertTrue(element("action-result").getText().matches("Removed [1-9][0-9,]* finished job records? older than 0 s\\."),
        element("action-result").getText());
    assertEquals(404, app.get("/api/bookings/status/" + jobId, app.adminToken()).statusCode());
    assertEquals(1, app.queryLong("SELECT count(*) FROM bookings WHERE job_id = $1", jobId));
  }

  @Test
  void aTokenTheApiRejectsEndsTheSessionWithTheReason() {
    ((JavascriptExecutor) browser).executeScript("sessionStorage.setItem('aurora.admin.token', 'not-a-token')");
    browser.navigate().refresh();
    waitFor(ExpectedConditions.textToBePresentInElementLocated(testId("login-error"), "401"), "a 401 to end the session");
    assertNull(storedToken());

    ((JavascriptExecutor) browser).executeScript("sessionStorage.setItem('aurora.admin.token', arguments[0])",
        app.user().token());
    browser.navigate().refresh();
    waitFor(ExpectedConditions.textToBePresentInElementLocated(testId("login-error"), "403"), "a 403 to end the session");
    assertTrue(element("login-error").getText().contains("not an admin"));
    assertFalse(element("console-view").isDisplayed());
  }

  @Test
  void anOutageIsShownAsA503AndTheFiguresComeBackWithTheService() {
    logInAsAdmin();
    long eventId = app.createEvent(7);
    awaitNumber("event-" + eventId + "-seats-left", n -> n == 7, PAGE, "the event");

    pgProxy.cut();
    waitFor(ExpectedConditions.textToBePresentInElementLocated(testId("error-banner"), "Service unavailable (503)"),
        "the page to report PostgreSQL's outage");
    assertTrue(element("console-view").isDisplayed(), "the admin stays logged in through an outage");
    assertEquals(7, number("event-" + eventId + "-seats-left"), "the last good figures stay on the page");
    keepScreenshot("aurora-admin-console-outage");

    pgProxy.restore();
    waitFor(ExpectedConditions.invisibilityOfElementLocated(testId("error-banner")), "the banner to go once PostgreSQL is back");
    app.awaitJob(app.bookJob(app.user().token(), eventId));
    awaitNumber("event-" + eventId + "-seats-left", n -> n == 6, PAGE, "live figures again after the outage");
  }

  // ---- driving the page ----

  /**
   * After audited actions (an event created, its jobs paused and resumed), the audit trail lists them newest
   * first; a filter by action shows exactly the rows the API answers for it, and "Verify chains" shows every
   * chain intact.
   */
  @Test
  void theAuditTrailListsFiltersAndVerifiesTheAuditedActionsInThePage() {
    logInAsAdmin();
    long eventId = app.createEvent(5);
    assertEquals(200, app.post("/api/admin/queue/pause?eventId=" + eventId, app.adminToken(), null).statusCode());
    assertEquals(200, app.post("/api/admin/queue/resume?eventId=" + eventId, app.adminToken(), null).statusCode());
    TestApp.awaitCondition("the resume in the audit log", PAGE, () -> app.queryLong(
        "SELECT count(*) FROM audit_log WHERE action = 'queue.resumed' AND event_id = $1", eventId) == 1);

    element("audit-apply").click();
    waitFor(driver -> auditRows().stream().anyMatch(row -> row.get("action").equals("queue.resumed")
        && row.get("event").equals(String.valueOf(eventId))), "the resume in the page's audit trail");
    // The event's own rows, as the API answers them, are in the page in the same order (newest first).
    List<Long> ofEvent = auditApiIds("event=" + eventId);
    assertEquals(3, ofEvent.size(), "created, paused, resumed");
    List<Long> shown = auditIds();
    assertEquals(ofEvent, shown.stream().filter(ofEvent::contains).toList());
    List<String> actions = auditRows().stream().map(row -> row.get("action")).toList();
    assertTrue(actions.indexOf("queue.resumed") < actions.indexOf("queue.paused")
        && actions.indexOf("queue.paused") < actions.indexOf("event.created"), "newest first: " + actions);

    // More than a page (50 rows) of the event's: "More" follows the API's cursor and appends the next page.
    for (int i = 0; i < 30; i++) {
      app.post("/api/admin/queue/pause?eventId=" + eventId, app.adminToken(), null);
      app.post("/api/admin/queue/resume?eventId=" + eventId, app.adminToken(), null);
    }
    element("audit-event").sendKeys(String.valueOf(eventId));
    element("audit-apply").click();
    String ofTheEvent = "event=" + eventId + "&limit=50";
    List<Long> firstPage = auditApiIds(ofTheEvent);
    String next = app.get("/api/admin/audit?" + ofTheEvent, app.adminToken()).bodyAsJsonObject().getString("next");
    List<Long> secondPage = auditApiIds(ofTheEvent + "&cursor=" + next);
    waitFor(driver -> auditIds().equals(firstPage), "the first page of the event's rows");
    element("audit-more").click();
    List<Long> both = new java.util.ArrayList<>(firstPage);
    both.addAll(secondPage);
    waitFor(driver -> auditIds().equals(both), "the second page appended");
    assertEquals(63, both.size(), "created, paused and resumed once, then 30 times more");
    element("audit-event").clear();

    new org.openqa.selenium.support.ui.Select(element("audit-action")).selectByValue("queue.paused");
    element("audit-apply").click();
    List<Long> paused = auditApiIds("action=queue.paused&limit=50");
    assertFalse(paused.isEmpty());
    waitFor(driver -> auditIds().equals(paused),
        "the page to list only the queue.paused rows the API answers");
    assertTrue(auditRows().stream().allMatch(row -> row.get("action").equals("queue.paused")));
    assertTrue(auditApiIds("limit=100").size() > paused.size(), "the filter narrows the list");

    element("audit-verify").click();
    waitFor(ExpectedConditions.visibilityOfElementLocated(testId("audit-verdict")), "the chains' verdict");
    JsonObject verdict = app.get("/api/admin/audit/verify", app.adminToken()).bodyAsJsonObject();
    assertTrue(verdict.getBoolean("valid"), verdict.encode());
    List<WebElement> results = browser.findElements(By.cssSelector("[data-testid^='chain-'][data-testid$='-result']"));
    assertEquals(verdict.getJsonArray("chains").size(), results.size());
    assertTrue(results.stream().allMatch(r -> r.getText().equals("ok")), "every chain ok");
    assertTrue(element("audit-result").getText().startsWith("Every chain verified"), element("audit-result").getText());

    assertEquals(List.of(), seriousViolations(), "the audit trail screen");
    keepElementScreenshot("audit-card", "aurora-admin-console-audit");
  }

  /** The page's audit rows, each as its cells by key (id, at, action, actor, target, event, job, chain). */
  private static List<Map<String, String>> auditRows() {
    return browser.findElements(By.cssSelector("#audit-rows tr")).stream().map(row -> {
      String id = row.getAttribute("data-testid");
      return row.findElements(By.tagName("td")).stream().collect(Collectors.toMap(
          td -> td.getAttribute("data-testid").substring(id.length() + 1), WebElement::getText));
    }).toList();
  }

  private static List<Long> auditIds() {
    return auditRows().stream().map(row -> Long.parseLong(row.get("id").replace(",", ""))).toList();
  }

  private static List<Long> auditApiIds(String query) {
    HttpResponse<Buffer> page = app.get("/api/admin/audit?" + query, app.adminToken());
    assertEquals(200, page.statusCode(), page.bodyAsString());
    return page.bodyAsJsonObject().getJsonArray("entries").stream()
        .map(entry -> ((JsonObject) entry).getLong("id")).toList();
  }

  /**
   * An operator registers a webhook endpoint from the page, pointing at a real receiver; one booking later the
   * page lists its delivery as DELIVERED, a replay from the page sends it again, and the endpoint is deleted.
   */
  @Test
  void aWebhookCreatedInThePageHasItsDeliveryListedReplayedAndIsDeleted() {
    logInAsAdmin();
    String url = notifications.receiver().url("/console-hook-" + System.nanoTime());
    element("new-webhook").findElement(By.tagName("summary")).click();
    element("webhook-url").sendKeys(url);
    assertTrue(element("webhook-event-confirmed").isSelected(), "booking.confirmed is chosen by default");
    element("webhook-create").click();
    waitFor(ExpectedConditions.textToBePresentInElementLocated(testId("webhook-result"), "Created webhook #"), "the webhook");
    long hookId = app.queryLong("SELECT id FROM webhooks WHERE url = $1", url);
    waitFor(ExpectedConditions.visibilityOfElementLocated(testId("webhook-" + hookId)), "the webhook's row");
    waitFor(ExpectedConditions.visibilityOfElementLocated(testId("deliveries")), "its deliveries, shown on creation");

    long eventId = app.createEvent(5);
    String jobId = app.bookJob(app.user().token(), eventId);
    assertEquals("completed", app.awaitJob(jobId).getString("status"));
    long deliveryId = awaitDelivered(hookId);
    String row = "delivery-" + deliveryId;
    waitFor(ExpectedConditions.textToBe(testId(row + "-status"), "DELIVERED"), "the delivery listed as delivered");
    assertEquals("booking.confirmed", element(row + "-event").getText());
    List<WebhookReceiver.Call> calls = notifications.receiver().callsOfJob(jobId);
    assertEquals(1, calls.size(), "the receiver got the booking once");
    assertTrue(url.endsWith(calls.get(0).path()), calls.get(0).path());

    assertEquals(List.of(), seriousViolations(), "the webhooks screen");
    keepElementScreenshot("webhooks-card", "aurora-admin-console-webhooks");

    element(row + "-replay").click();
    waitFor(ExpectedConditions.textToBePresentInElementLocated(testId("webhook-result"), "Delivery " + deliveryId + " is sent again"),
        "the replay");
    TestApp.awaitCondition("the replayed delivery at the receiver", PAGE,
        () -> notifications.receiver().callsOfJob(jobId).size() == 2);
    assertEquals(calls.get(0).id(), notifications.receiver().callsOfJob(jobId).get(1).id(), "the same webhook-id");
    awaitDelivered(hookId);
    waitFor(ExpectedConditions.textToBe(testId(row + "-status"), "DELIVERED"), "the replayed delivery listed as delivered");

    element("webhook-" + hookId + "-delete").click();
    waitFor(ExpectedConditions.textToBePresentInElementLocated(testId("webhook-result"), "Deleted webhook #" + hookId), "the delete");
    waitFor(ExpectedConditions.invisibilityOfElementLocated(testId("webhook-" + hookId)), "the row to go");
    assertEquals(0, app.queryLong("SELECT count(*) FROM webhooks WHERE id = $1 AND deleted_at IS NULL", hookId));
  }

  /** The id of the webhook's one delivery, once PostgreSQL has it DELIVERED. */
  private static long awaitDelivered(long hookId) {
    TestApp.awaitCondition("the webhook's delivery to be DELIVERED", BOOKINGS_DECIDED, () -> app.queryLong(
        "SELECT count(*) FROM notification_deliveries WHERE webhook_id = $1 AND status = 'DELIVERED'", hookId) == 1);
    return app.queryLong("SELECT id FROM notification_deliveries WHERE webhook_id = $1", hookId);
  }

  private static void keepElementScreenshot(String testid, String name) {
    if (SCREENSHOTS.isBlank()) {
      return;
    }
    try {
      Files.createDirectories(Path.of(SCREENSHOTS));
      WebElement card = element(testid);
      ((JavascriptExecutor) browser).executeScript("arguments[0].scrollIntoView()", card);
      Files.copy(card.getScreenshotAs(OutputType.FILE).toPath(), Path.of(SCREENSHOTS, name + ".png"),
          StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static String readResource(String name) {
    try (var in = AdminConsoleBrowserTest.class.getResourceAsStream(name)) {
      return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    } catch (IOException | NullPointerException e) {
      throw new IllegalStateException("Test resource " + name + " is missing", e);
    }
  }

  private static By testId(String id) {
    return By.cssSelector("[data-testid='" + id + "']");
  }

  private static WebElement element(String id) {
    return browser.findElement(testId(id));
  }

  private static void logIn(String email, String password) {
    WebElement emailField = element("login-email");
    emailField.clear();
    emailField.sendKeys(email);
    WebElement passwordField = element("login-password");
    passwordField.clear();
    passwordField.sendKeys(password);
    element("login-submit").click();
  }

  private static void logInAsAdmin() {
    logIn(TestApp.ADMIN_EMAIL, TestApp.ADMIN_PASSWORD);
    waitFor(ExpectedConditions.visibilityOfElementLocated(testId("console-view")), "the console after the admin's login");
    // The first poll has answered once the figures are numbers.
    awaitNumber("total-waiting", n -> n >= 0, PAGE, "the first figures");
    assertEquals(TestApp.ADMIN_EMAIL, element("session-email").getText());
  }

  private static String storedToken() {
    return (String) ((JavascriptExecutor) browser).executeScript("return sessionStorage.getItem('aurora.admin.token')");
  }

  /** A figure as the page shows it (thousands separated), or -1 while it shows none. */
  private static long number(String id) {
    String text = element(id).getText().replace(",", "").trim();
    return text.matches("[0-9]+") ? Long.parseLong(text) : -1;
  }

  private static void awaitNumber(String id, LongPredicate condition, Duration timeout, String what) {
    new WebDriverWait(browser, timeout, Duration.ofMillis(100))
        .ignoring(StaleElementReferenceException.class)
        .withMessage(() -> "waiting for " + what + "; the page shows " + id + " = "
            + browser.findElements(testId(id)).stream().map(WebElement::getText).findFirst().orElse("(absent)"))
        .until(driver -> condition.test(number(id)));
  }

  private static <T> T waitFor(ExpectedCondition<T> condition, String what) {
    return new WebDriverWait(browser, PAGE, Duration.ofMillis(100))
        .ignoring(StaleElementReferenceException.class)
        .withMessage("waiting for " + what)
        .until(condition);
  }

  private static void keepScreenshot(String name) {
    if (!SCREENSHOTS.isBlank()) {
      screenshot(Path.of(SCREENSHOTS), name);
    }
  }

  private static Path screenshot(Path dir, String name) {
    try {
      Files.createDirectories(dir);
      Path file = dir.resolve(name + ".png");
      Files.copy(((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE).toPath(), file, StandardCopyOption.REPLACE_EXISTING);
      return file;
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
