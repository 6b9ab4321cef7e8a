package ai.iro.core.io;

import ai.iro.core.internal.CrashPoints;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Atomic file writes: readers see the old file or the whole new one, never a part. Policies and
 * checkpoints are written this way; tools writing reports next to them can use it too.
 *
 * <p>Thread safe: concurrent writers of one file each leave a whole file (the last rename wins);
 * {@link #removeTemporaries} must not run while another process writes the same file.
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
      CrashPoints.reached("written:" + file.getFileName());
      move(tmp, file);
      CrashPoints.reached("renamed:" + file.getFileName());
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  /**
   * Deletes the temporary files that interrupted {@link #writeString} calls for {@code file} left
   * in its directory (a process killed between writing and renaming cannot remove its own):
   * {@code .NAME-DIGITS.tmp}, where NAME is {@code file}'s name. Nothing else is touched; a missing
   * directory is fine. Call it only while no other process writes {@code file}.
   *
   * @return the names of the files deleted
   * @throws IOException if the directory cannot be listed or a temporary file cannot be deleted
   */
  public static List<String> removeTemporaries(Path file) throws IOException {
    Path directory = file.toAbsolutePath().getParent();
    List<String> deleted = new ArrayList<>();
    if (!Files.isDirectory(directory)) {
      return deleted;
    }
    Pattern temporary = Pattern.compile(Pattern.quote("." + file.getFileName() + "-") + "[0-9]+" + Pattern.quote(".tmp"));
    List<Path> doomed = new ArrayList<>();
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(directory)) {
      for (Path p : entries) {
        if (temporary.matcher(p.getFileName().toString()).matches() && Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
          doomed.add(p);
        }
      }
    }
    for (Path p : doomed) {
      Files.deleteIfExists(p);
      deleted.add(p.getFileName().toString());
    }
    return deleted;
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
