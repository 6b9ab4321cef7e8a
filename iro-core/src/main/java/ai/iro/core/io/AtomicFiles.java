package ai.iro.core.io;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Atomic file writes: readers see the old file or the whole new one, never a part. Policies and
 * checkpoints are written this way; tools writing reports next to them can use it too.
 */
public final class AtomicFiles {
  private AtomicFiles() {}

  /**
   * Writes {@code text} (UTF-8) to {@code file} atomically: a temporary file in the same directory
   * (created if absent) renamed over the target. The temporary file is removed if the write fails.
   *
   * @throws IOException if the write fails or the file system cannot rename atomically
   */
  public static void writeString(Path file, String text) throws IOException {
    Path directory = file.toAbsolutePath().getParent();
    Files.createDirectories(directory);
    Path tmp = Files.createTempFile(directory, "." + file.getFileName() + "-", ".tmp");
    try {
      Files.writeString(tmp, text, StandardCharsets.UTF_8);
      move(tmp, file);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  /**
   * Renames {@code from} to {@code to} atomically, replacing {@code to}.
   *
   * @throws IOException if the rename fails, or with a message saying so if the file system cannot
   *     rename atomically
   */
  public static void move(Path from, Path to) throws IOException {
    try {
      Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      throw new IOException("cannot rename " + from + " to " + to + " atomically on this file system", e);
    }
  }
}
