package io.aurora.booking.testing;

import org.junit.jupiter.api.ClassDescriptor;
import org.junit.jupiter.api.ClassOrderer;
import org.junit.jupiter.api.ClassOrdererContext;

import java.util.Comparator;

/**
 * Runs the test classes in the order they were found, except {@code ResponseConformanceTest}, which runs
 * last: it asks whether the classes before it exercised every operation of the OpenAPI document.
 * Configured in {@code junit-platform.properties}.
 */
public final class ContractCoverageLast implements ClassOrderer {

  static final String LAST = "io.aurora.booking.ResponseConformanceTest";

  @Override
  public void orderClasses(ClassOrdererContext context) {
    // A stable sort: every other class keeps its place.
    context.getClassDescriptors().sort(Comparator.comparing((ClassDescriptor d) -> LAST.equals(d.getTestClass().getName())));
  }
}
