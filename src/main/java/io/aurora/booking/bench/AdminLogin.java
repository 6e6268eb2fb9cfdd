package io.aurora.booking.bench;

import picocli.CommandLine.Option;

/** The admin account a bench logs in with against a running server ({@code --url}); a picocli mixin. */
final class AdminLogin {

  @Option(names = "--admin-email", paramLabel = "EMAIL", description = "With --url: an admin's email.")
  String email;

  @Option(names = "--admin-password", paramLabel = "PASSWORD", description = "With --url: that admin's password.")
  String password;

  boolean given() {
    return email != null && password != null;
  }
}
