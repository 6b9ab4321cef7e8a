package ai.iro.core.internal;

import ai.iro.core.io.AtomicFiles;
import ai.iro.core.io.InvalidPolicyException;
import ai.iro.core.value.SavableValueFunction;
import ai.iro.core.value.ValueFunction;
import ai.iro.core.value.ValueFunctionLoader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Reads and writes policy directories: {@value PolicyManifest#FILE_NAME} plus one sub-directory per
 * value function ({@code value-1}, {@code value-2}, ...).
 *
 * <p>Every write is atomic: files go to a temporary name and are renamed into place, and the
 * manifest, renamed last, is the commit point. A crash mid-write leaves the previous manifest,
 * which only names complete value directories, plus temporary files and directories that
 * {@link #removeLeftovers} deletes when the run resumes. Each step of a write reports itself to the
 * {@link CrashPoints} test hook.
 */
public final class PolicyDirectory {
  private static final Pattern VALUE = Pattern.compile("value-([0-9]{1,9})");
  private static final Pattern TEMPORARY_VALUE = Pattern.compile("\\.value-[0-9]{1,9}-[0-9]+");

  private PolicyDirectory() {}

  /**
   * Reads the manifest of {@code directory}, if there is one.
   *
   * @throws InvalidPolicyException if it is not a manifest this library reads (the message names it)
   * @throws IOException if it cannot be read
   */
  public static Optional<PolicyManifest> readManifest(Path directory) throws IOException {
    Path file = directory.resolve(PolicyManifest.FILE_NAME);
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      return Optional.empty();
    }
    String text;
    try {
      text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
    } catch (CharacterCodingException e) {
      throw new InvalidPolicyException(file + ": not UTF-8 text (a damaged manifest)", e);
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
      CrashPoints.reached("value-written:" + name);
      Path target = directory.resolve(name);
      deleteRecursively(target);
      AtomicFiles.move(tmp, target);
      CrashPoints.reached("value-renamed:" + name);
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

  /**
   * Deletes what a process killed while writing a checkpoint leaves in {@code directory}: temporary
   * value directories ({@code .value-T-DIGITS}), temporary manifests ({@code .manifest.json-DIGITS.tmp})
   * and value directories {@code value-T} with T above {@code committed}, which no manifest names.
   * Call it only once the directory is known to hold this run's checkpoint (or none), never for a
   * directory a refused run points at.
   *
   * @param committed the number of iterations the manifest names (0 without a manifest)
   * @return the names deleted, sorted
   */
  public static List<String> removeLeftovers(Path directory, int committed) throws IOException {
    List<String> deleted = new ArrayList<>();
    if (!Files.isDirectory(directory)) {
      return deleted;
    }
    List<Path> doomed = new ArrayList<>();
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(directory)) {
      for (Path p : entries) {
        String name = p.getFileName().toString();
        Matcher temporary = TEMPORARY_VALUE.matcher(name);
        Matcher value = VALUE.matcher(name);
        boolean uncommitted = value.matches() && Long.parseLong(value.group(1)) > committed;
        if ((temporary.matches() || uncommitted) && Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
          doomed.add(p);
        }
      }
    }
    for (Path p : doomed) {
      deleteRecursively(p);
      deleted.add(p.getFileName().toString());
    }
    deleted.addAll(AtomicFiles.removeTemporaries(directory.resolve(PolicyManifest.FILE_NAME)));
    deleted.sort(null);
    return deleted;
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
