package ai.iro.examples;

import static org.assertj.core.api.Assertions.assertThat;

import ai.iro.examples.reward.AfinnReward;
import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.io.StringWriter;
import java.lang.module.FindException;
import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleFinder;
import java.lang.module.ModuleReference;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.tools.Diagnostic;
import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * IRO's libraries are named modules that export their API and hide their internals: a consumer
 * module compiles against them and runs on the module path, and cannot reach {@code .internal}
 * packages. The test splits its own class path the way a module-path user would: IRO's modules and
 * the modules they require on the module path, everything else (ND4J above all, whose
 * {@code nd4j-api} jar carries an invalid module descriptor) on the class path.
 */
class ModulePathTest {
  private static final String CORE = "ai.iro.core";
  private static final String ONNX = "ai.iro.onnx";
  /**
   * What a module-path launch needs beyond the module path: {@code ai.iro.onnx} reads ND4J on the
   * class path, and ND4J finds the JDK modules a class-path application would have (JavaCPP needs
   * {@code jdk.unsupported}, which a module-path launch does not resolve by itself).
   */
  private static final List<String> LAUNCH_OPTIONS =
      List.of("--add-reads", ONNX + "=ALL-UNNAMED", "--add-modules", "ALL-DEFAULT");
  /** The consumer module's sources, compiled and run by the test. */
  private static final Path MODULE_SOURCES = Path.of("src/test/modules");
  private static final Path MODEL_DIRECTORY = Path.of(System.getProperty("iro.model.dir", "../models/kjv-tiny"));
  private static final Pattern JAVA_BLOCK = Pattern.compile("```java\\n(.*?)```", Pattern.DOTALL);
  /** A generous bound on the consumer's run (seconds on a laptop), so that a hang fails the test. */
  private static final long RUN_LIMIT_SECONDS = 300;

  private static Layout layout;

  @BeforeAll
  static void splitTheClassPath() {
    layout = Layout.of(System.getProperty("java.class.path"), List.of(CORE, ONNX));
  }

  @Test
  void exportsEveryPackageButTheInternalOnes() {
    for (String name : List.of(CORE, ONNX)) {
      ModuleDescriptor module = layout.descriptor(name);
      assertThat(module.isAutomatic()).as("%s has a module-info", name).isFalse();
      Set<String> api = module.packages().stream().filter(p -> !isInternal(p)).collect(Collectors.toSet());
      Set<String> exported = module.exports().stream().filter(e -> !e.isQualified())
          .map(ModuleDescriptor.Exports::source).collect(Collectors.toSet());
      assertThat(exported).as("packages %s exports to everyone", name).isEqualTo(api);
      assertThat(module.opens()).as("packages %s opens", name).isEmpty();
    }
    assertThat(layout.descriptor(CORE).packages()).contains(CORE + ".internal");
  }

  @Test
  void readmeSnippetCompilesAsANamedModule(@TempDir Path dir) throws IOException {
    String readme = Files.readString(Path.of(System.getProperty("iro.readme", "../README.md")));
    Matcher m = JAVA_BLOCK.matcher(readme);
    assertThat(m.find()).as("README.md has a ```java block").isTrue();
    String source = "package readme;\n"
        + Snippets.IMPORTS
        + "final class ReadmeSnippet {\n  static void run() throws Exception {\n" + m.group(1) + "\n  }\n}\n";
    Path sources = dir.resolve("src");
    // The snippet's reward comes from this module's jar, which is an automatic module on the module path.
    write(sources.resolve("readme/module-info.java"), "module readme {\n  requires ai.iro.onnx;\n  requires ai.iro.examples;\n}\n");
    write(sources.resolve("readme/readme/ReadmeSnippet.java"), source);
    List<Path> modulePath = new ArrayList<>(layout.modulePath());
    modulePath.add(examplesModule(dir.resolve("iro-examples.jar")));

    Compilation c = compile(sources, dir.resolve("classes"), modulePath);

    assertThat(c.succeeded()).as("README snippet compiles as a named module:%n%s%n%s", c.messages(), source).isTrue();
  }

  @Test
  void consumerModuleAlignsAndGeneratesOnTheModulePath(@TempDir Path dir) throws IOException, InterruptedException {
    Path classes = dir.resolve("classes");
    Compilation c = compile(MODULE_SOURCES.resolve("consumer"), MODULE_SOURCES, classes, layout.modulePath());
    assertThat(c.succeeded()).as("consumer compiles:%n%s", c.messages()).isTrue();
    List<Path> modulePath = new ArrayList<>();
    modulePath.add(classes.resolve("consumer"));
    modulePath.addAll(layout.modulePath());
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(List.of("--module-path", join(modulePath), "--class-path", join(layout.classPath())));
    command.addAll(LAUNCH_OPTIONS);
    command.add("-Dorg.slf4j.simpleLogger.log.org.nd4j=warn");
    command.addAll(List.of("-m", "consumer/consumer.ModuleConsumer"));
    command.addAll(List.of(MODEL_DIRECTORY.toAbsolutePath().toString(), dir.resolve("policy").toString()));
    Path log = dir.resolve("consumer.log");

    Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    boolean finished = process.waitFor(RUN_LIMIT_SECONDS, TimeUnit.SECONDS);
    if (!finished) {
      process.destroyForcibly().waitFor();
    }

    String output = Files.readString(log);
    assertThat(finished).as("consumer finished within %ss:%n%s", RUN_LIMIT_SECONDS, output).isTrue();
    assertThat(process.exitValue()).as("consumer's exit status:%n%s", output).isZero();
    assertThat(output.lines()).as("the modules it ran in")
        .contains("core module: ai.iro.core, exports ai.iro.core.internal: false",
            "onnx module: ai.iro.onnx", "consumer module: consumer");
    assertThat(output.lines().filter(l -> l.startsWith("answer: ") && !l.substring(8).isBlank())).hasSize(1);
    assertThat(output.lines().filter(l -> l.startsWith("reloaded answer: ") && !l.substring(17).isBlank())).hasSize(1);
    assertThat(dir.resolve("policy").resolve("manifest.json")).isRegularFile();
  }

  @Test
  void internalPackagesAreNotVisibleToConsumers(@TempDir Path dir) throws IOException {
    Set<String> hidden = new TreeSet<>();
    for (String name : List.of(CORE, ONNX)) {
      ModuleDescriptor module = layout.descriptor(name);
      hidden.addAll(module.packages());
      module.exports().forEach(e -> hidden.remove(e.source()));
    }
    assertThat(hidden).contains(CORE + ".internal");
    StringBuilder source = new StringBuilder("package intruder;\n");
    hidden.forEach(p -> source.append("import ").append(p).append(".*;\n"));
    source.append("final class Intruder {\n  long seed = ai.iro.core.internal.Seeds.mix(42L);\n}\n");
    Path sources = dir.resolve("src");
    write(sources.resolve("intruder/module-info.java"), "module intruder {\n  requires ai.iro.onnx;\n}\n");
    write(sources.resolve("intruder/intruder/Intruder.java"), source.toString());

    Compilation c = compile(sources, dir.resolve("classes"), layout.modulePath());

    assertThat(c.succeeded()).as("a consumer of internal packages compiles").isFalse();
    assertThat(c.errors()).as("every error is about visibility:%n%s", c.messages())
        .allSatisfy(d -> assertThat(d.getCode()).isEqualTo("compiler.err.package.not.visible"));
    for (String p : hidden) {
      assertThat(c.errors()).as("errors naming %s:%n%s", p, c.messages())
          .anySatisfy(d -> assertThat(d.getMessage(Locale.ROOT)).contains("package " + p + " is not visible"));
    }
    // The type in the method body, not just the import, is refused.
    assertThat(c.errors()).filteredOn(d -> d.getLineNumber() == hidden.size() + 3).hasSize(1);
  }

  /** Whether a package is internal: {@code internal} is one of its names ({@code a.internal}, {@code a.internal.b}). */
  private static boolean isInternal(String pkg) {
    return ("." + pkg + ".").contains(".internal.");
  }

  /** Compiles every module under {@code sources} with javac, in process. */
  private static Compilation compile(Path sources, Path out, List<Path> modulePath) throws IOException {
    return compile(sources, sources, out, modulePath);
  }

  /** Compiles the sources under {@code files}, which lie inside the module source path {@code sources}. */
  private static Compilation compile(Path files, Path sources, Path out, List<Path> modulePath) throws IOException {
    JavaCompiler compiler = ToolProvider.getSystemJavaCompiler();
    DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
    List<Path> javaFiles;
    try (Stream<Path> walk = Files.walk(files)) {
      javaFiles = walk.filter(p -> p.toString().endsWith(".java")).sorted().collect(Collectors.toList());
    }
    try (StandardJavaFileManager fileManager = compiler.getStandardFileManager(diagnostics, Locale.ROOT, StandardCharsets.UTF_8)) {
      List<String> options = List.of("-d", out.toString(), "--module-source-path", sources.toString(),
          "--module-path", join(modulePath), "-proc:none");
      StringWriter log = new StringWriter();
      JavaCompiler.CompilationTask task = compiler.getTask(log, fileManager, diagnostics, options, null,
          fileManager.getJavaFileObjectsFromPaths(javaFiles));
      task.setLocale(Locale.ROOT);
      boolean ok = task.call();
      return new Compilation(ok, diagnostics.getDiagnostics(), log.toString());
    }
  }

  /**
   * This module's classes as a jar naming its automatic module, {@code ai.iro.examples}, as the
   * packaged jar's manifest does: a class folder without a module-info cannot be a module.
   */
  private static Path examplesModule(Path jar) throws IOException {
    Path classes;
    try {
      classes = Path.of(AfinnReward.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException("cannot locate iro-examples' classes", e);
    }
    if (!Files.isDirectory(classes)) {
      return classes;
    }
    Manifest manifest = new Manifest();
    manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
    manifest.getMainAttributes().putValue("Automatic-Module-Name", "ai.iro.examples");
    List<Path> classFiles;
    try (Stream<Path> walk = Files.walk(classes)) {
      classFiles = walk.filter(p -> p.toString().endsWith(".class")).sorted().collect(Collectors.toList());
    }
    try (OutputStream out = Files.newOutputStream(jar); JarOutputStream jarOut = new JarOutputStream(out, manifest)) {
      for (Path f : classFiles) {
        jarOut.putNextEntry(new JarEntry(classes.relativize(f).toString().replace(File.separatorChar, '/')));
        jarOut.write(Files.readAllBytes(f));
        jarOut.closeEntry();
      }
    }
    return jar;
  }

  private static void write(Path file, String text) throws IOException {
    Files.createDirectories(file.getParent());
    Files.writeString(file, text);
  }

  private static String join(List<Path> paths) {
    return paths.stream().map(Path::toString).collect(Collectors.joining(File.pathSeparator));
  }

  /** A javac run: whether it succeeded, and what it said. */
  private record Compilation(boolean succeeded, List<Diagnostic<? extends JavaFileObject>> diagnostics, String log) {
    List<Diagnostic<? extends JavaFileObject>> errors() {
      return diagnostics.stream().filter(d -> d.getKind() == Diagnostic.Kind.ERROR).collect(Collectors.toList());
    }

    String messages() {
      return diagnostics.stream().map(d -> d.getKind() + " line " + d.getLineNumber() + ": " + d.getMessage(Locale.ROOT))
          .collect(Collectors.joining("\n")) + log;
    }
  }

  /**
   * A class path split for the module path: the given modules and, transitively, the modules they
   * require that the class path holds go on the module path, in class-path order; every other entry
   * stays on the class path.
   */
  private record Layout(Map<String, ModuleDescriptor> descriptors, List<Path> modulePath, List<Path> classPath) {
    static Layout of(String classPath, List<String> roots) {
      Map<String, ModuleReference> found = new LinkedHashMap<>();
      Map<Path, String> moduleOf = new LinkedHashMap<>();
      List<Path> entries = new ArrayList<>();
      for (String s : classPath.split(Pattern.quote(File.pathSeparator))) {
        if (s.isEmpty()) {
          continue;
        }
        Path entry = Path.of(s).toAbsolutePath();
        entries.add(entry);
        module(entry).filter(r -> !found.containsKey(r.descriptor().name())).ifPresent(r -> {
          found.put(r.descriptor().name(), r);
          moduleOf.put(entry, r.descriptor().name());
        });
      }
      Set<String> needed = new LinkedHashSet<>();
      Deque<String> todo = new ArrayDeque<>(roots);
      while (!todo.isEmpty()) {
        String name = todo.pop();
        if (found.containsKey(name) && needed.add(name)) {
          found.get(name).descriptor().requires().forEach(r -> todo.push(r.name()));
        }
      }
      assertThat(needed).as("modules found on the class path").containsAll(roots);
      List<Path> modulePath = new ArrayList<>();
      List<Path> rest = new ArrayList<>();
      for (Path entry : entries) {
        (needed.contains(moduleOf.get(entry)) ? modulePath : rest).add(entry);
      }
      Map<String, ModuleDescriptor> descriptors = new LinkedHashMap<>();
      needed.forEach(n -> descriptors.put(n, found.get(n).descriptor()));
      return new Layout(descriptors, modulePath, rest);
    }

    /** The module a class-path entry holds: a modular or plain jar, or a class folder with a module-info. */
    private static Optional<ModuleReference> module(Path entry) {
      boolean jar = Files.isRegularFile(entry) && entry.toString().endsWith(".jar");
      boolean explodedModule = Files.isRegularFile(entry.resolve("module-info.class"));
      if (!jar && !explodedModule) {
        return Optional.empty();
      }
      try {
        return ModuleFinder.of(entry).findAll().stream().findFirst();
      } catch (FindException e) {
        // nd4j-api's descriptor names a package the jar lacks: such a jar works on the class path only.
        return Optional.empty();
      }
    }

    ModuleDescriptor descriptor(String name) {
      return descriptors.get(name);
    }
  }
}
