package ai.iro.core.internal;

import ai.iro.core.io.AtomicFiles;
import ai.iro.core.io.InvalidPolicyException;
import ai.iro.core.value.SavableValueFunction;
import ai.iro.core.value.ValueFunction;
import ai.iro.core.value.ValueFunctionLoader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.stream.Stream;

/**
 * Reads and writes policy directories: {@value PolicyManifest#FILE_NAME} plus one sub-directory per
 * value function ({@code value-1}, {@code value-2}, ...).
 *
 * <p>Every write is atomic: files go to a temporary name and are renamed into place, and the
 * manifest, renamed last, is the commit point. A crash mid-write leaves the previous manifest,
 * which only names complete value directories.
 */
public final class PolicyDirectory {
  private PolicyDirectory() {}

  /** Reads the manifest of {@code directory}, if there is one. */
  public static Optional<PolicyManifest> readManifest(Path directory) throws IOException {
    Path file = directory.resolve(PolicyManifest.FILE_NAME);
    String text;
    try {
      text = Files.readString(file, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      return Optional.empty();
    }
    return Optional.of(PolicyManifest.parse(text, file));
  }

  /** Writes the manifest atomically, replacing any earlier one. */
  public static void writeManifest(Path directory, PolicyManifest manifest) throws IOException {
    AtomicFiles.writeString(directory.resolve(PolicyManifest.FILE_NAME), manifest.toJson());
  }

  /**
   * Saves a value function into {@code directory/name} atomically (a temporary directory renamed
   * into place), replacing an unreferenced leftover of that name.
   *
   * @throws IllegalArgumentException if the function is not a {@link SavableValueFunction}
   */
  public static void writeValue(Path directory, String name, ValueFunction function) throws IOException {
    if (!(function instanceof SavableValueFunction)) {
      throw new IllegalArgumentException("value function " + function.getClass().getName()
          + " cannot be saved: it does not implement SavableValueFunction");
    }
    Files.createDirectories(directory);
    Path tmp = Files.createTempDirectory(directory, "." + name + "-");
    try {
      ((SavableValueFunction) function).save(tmp);
      Path target = directory.resolve(name);
      deleteRecursively(target);
      AtomicFiles.move(tmp, target);
    } finally {
      deleteRecursively(tmp);
    }
  }

  /**
   * Loads a value function written by {@link #writeValue}, with the loader of its format.
   *
   * @param loaders loaders by format
   * @throws InvalidPolicyException if no loader reads the format
   */
  public static ValueFunction readValue(Path directory, String name, String format,
      Map<String, ValueFunctionLoader> loaders) throws IOException {
    ValueFunctionLoader loader = loaders.get(format);
    if (loader == null) {
      throw new InvalidPolicyException(directory.resolve(name) + ": no ValueFunctionLoader for format '" + format
          + "' (known: " + loaders.keySet() + "); add the module that provides it to the classpath");
    }
    Path dir = directory.resolve(name);
    if (!Files.isDirectory(dir)) {
      throw new InvalidPolicyException(dir + ": value function directory is missing");
    }
    return loader.load(dir);
  }

  /** The loaders found by {@link ServiceLoader} plus the given ones (which win), by format. */
  public static Map<String, ValueFunctionLoader> loaders(List<ValueFunctionLoader> extra) {
    Map<String, ValueFunctionLoader> byFormat = new HashMap<>();
    for (ValueFunctionLoader l : ServiceLoader.load(ValueFunctionLoader.class)) {
      byFormat.put(l.format(), l);
    }
    for (ValueFunctionLoader l : extra) {
      byFormat.put(l.format(), l);
    }
    return byFormat;
  }

  /** True when {@code directory} does not exist or is empty. */
  public static boolean isEmpty(Path directory) throws IOException {
    if (!Files.exists(directory)) {
      return true;
    }
    try (DirectoryStream<Path> s = Files.newDirectoryStream(directory)) {
      return !s.iterator().hasNext();
    }
  }

  private static void deleteRecursively(Path path) throws IOException {
    if (!Files.exists(path)) {
      return;
    }
    List<Path> all = new ArrayList<>();
    try (Stream<Path> walk = Files.walk(path)) {
      walk.sorted(Comparator.reverseOrder()).forEach(all::add);
    } catch (UncheckedIOException e) {
      throw e.getCause();
    }
    for (Path p : all) {
      Files.deleteIfExists(p);
    }
  }
}
