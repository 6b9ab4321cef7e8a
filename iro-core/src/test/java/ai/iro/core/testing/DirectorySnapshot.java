package ai.iro.core.testing;

import com.google.common.hash.Hashing;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

/**
 * Every file and directory under a root, by relative path: a file's SHA-256 (of its bytes, after an
 * optional rewrite of its text), a directory's marker. Two equal snapshots mean an unchanged tree.
 */
public final class DirectorySnapshot {
  /** What a directory maps to. */
  public static final String DIRECTORY = "<dir>";

  private DirectorySnapshot() {}

  /** The snapshot of {@code root}; empty when it does not exist. */
  public static Map<String, String> of(Path root) {
    return of(root, (path, text) -> text);
  }

  /**
   * The snapshot of {@code root}, hashing the files named {@code textFile} after {@code normalize}
   * (for example to blank out wall times in a manifest).
   */
  public static Map<String, String> of(Path root, String textFile, UnaryOperator<String> normalize) {
    return of(root, (path, text) -> path.getFileName().toString().equals(textFile) ? normalize.apply(text) : text);
  }

  private interface Rewrite {
    String apply(Path path, String text);
  }

  private static Map<String, String> of(Path root, Rewrite rewrite) {
    Map<String, String> out = new TreeMap<>();
    if (!Files.exists(root)) {
      return out;
    }
    try (Stream<Path> walk = Files.walk(root)) {
      walk.filter(p -> !p.equals(root)).forEach(p -> {
        String key = root.relativize(p).toString();
        if (Files.isDirectory(p)) {
          out.put(key, DIRECTORY);
          return;
        }
        try {
          byte[] bytes = Files.readAllBytes(p);
          String text = new String(bytes, java.nio.charset.StandardCharsets.ISO_8859_1);
          String rewritten = rewrite.apply(p, text);
          byte[] hashed = rewritten.equals(text) ? bytes : rewritten.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
          out.put(key, Hashing.sha256().hashBytes(hashed).toString());
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      });
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out;
  }
}
