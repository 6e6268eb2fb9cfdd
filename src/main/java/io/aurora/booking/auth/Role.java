package io.aurora.booking.auth;

public enum Role {
  USER, ADMIN
}
