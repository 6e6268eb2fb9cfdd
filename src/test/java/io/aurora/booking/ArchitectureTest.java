package io.aurora.booking;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

/**
 * The layering of the code, pinned: the application root wires features together; features use the
 * shared helpers and each other without a circle; the helpers know no feature. No exceptions are listed:
 * a class that breaks a rule moves or is split instead.
 */
@AnalyzeClasses(packages = "io.aurora.booking", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {

  private static final String ROOT = "io.aurora.booking";
  private static final String[] FEATURES = {
      "io.aurora.booking.auth..", "io.aurora.booking.events..", "io.aurora.booking.bookings..",
      "io.aurora.booking.queue..", "io.aurora.booking.cluster..", "io.aurora.booking.admin..",
      "io.aurora.booking.metrics..", "io.aurora.booking.notifications..", "io.aurora.booking.audit..",
      "io.aurora.booking.live.."};
  private static final String[] SHARED = {
      "io.aurora.booking.bus..", "io.aurora.booking.http..", "io.aurora.booking.infra..", "io.aurora.booking.config..",
      "io.aurora.booking.limits.."};

  /**
   * Tools (the load generator, which runs the service in-process) stand on the application root; the root
   * wires the features; features stand on the shared helpers. Every class of the service is in one layer.
   */
  @ArchTest
  static final ArchRule layersPointDown = layeredArchitecture()
      .consideringOnlyDependenciesInAnyPackage("io.aurora.booking..")
      .ensureAllClassesAreContainedInArchitecture()
      .layer("Tools").definedBy("io.aurora.booking.bench..")
      .layer("Application root").definedBy(ROOT)
      .layer("Features").definedBy(FEATURES)
      .layer("Shared helpers").definedBy(SHARED)
      .whereLayer("Tools").mayNotBeAccessedByAnyLayer()
      .whereLayer("Application root").mayOnlyBeAccessedByLayers("Tools")
      .whereLayer("Features").mayOnlyBeAccessedByLayers("Application root", "Tools")
      .whereLayer("Shared helpers").mayOnlyBeAccessedByLayers("Features", "Application root", "Tools");

  /** Features (and the helpers among themselves) never import each other in a circle. */
  @ArchTest
  static final ArchRule noPackageCycles = slices().matching("io.aurora.booking.(*)..")
      .should().beFreeOfCycles();

  /** Vert.x's internal packages change without notice between releases; only its public API is used. */
  @ArchTest
  static final ArchRule noVertxInternals = noClasses()
      .should().dependOnClassesThat().resideInAnyPackage("io.vertx.core.internal..", "io.vertx.core.impl..");
}
