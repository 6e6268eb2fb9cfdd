package io.aurora.booking.infra;

import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Files of the service that no other local user may read: the data directory (0700) and what the service
 * writes in it (0600): the JWT secret, the embedded servers' configuration and logs. A file a child server
 * writes itself (PostgreSQL's data, Redis's AOF) is protected by its directory's 0700 whatever its own mode.
 * On a file system without POSIX permissions (Windows) these are no-ops.
 */
public final class OwnerOnlyFiles {

  static final Set<PosixFilePermission> DIRECTORY = PosixFilePermissions.fromString("rwx------");
  static final Set<PosixFilePermission> FILE = PosixFilePermissions.fromString("rw-------");
  private static final boolean POSIX = FileSystems.getDefault().supportedFileAttributeViews().contains("posix");

  private OwnerOnlyFiles() {
  }

  /** Creates {@code dir} (and its parents) if need be, and makes it 0700. */
  public static Path directory(Path dir) throws IOException {
    Files.createDirectories(dir);
    restrict(dir);
    return dir;
  }

  /** Creates {@code file} empty if it does not exist, and makes it 0600. */
  public static Path file(Path file) throws IOException {
    if (!Files.exists(file)) {
      if (POSIX) {
        Files.createFile(file, PosixFilePermissions.asFileAttribute(FILE));
      } else {
        Files.createFile(file);
      }
    }
    restrict(file);
    return file;
  }

  /** Writes {@code content} to {@code file}, which is 0600 before a byte of it is written. */
  public static void write(Path file, String content) throws IOException {
    Files.writeString(file(file), content);
  }

  /** 0700 for a directory, 0600 for a file. */
  public static void restrict(Path path) throws IOException {
    if (POSIX) {
      Files.setPosixFilePermissions(path, Files.isDirectory(path) ? DIRECTORY : FILE);
    }
  }

  /** {@link #restrict} on every regular file directly in {@code dir} (files left by an earlier version). */
  public static void restrictFilesIn(Path dir) throws IOException {
    if (!POSIX || !Files.isDirectory(dir)) {
      return;
    }
    try (Stream<Path> files = Files.list(dir)) {
      for (Path file : files.filter(Files::isRegularFile).toList()) {
        restrict(file);
      }
    }
  }
}
