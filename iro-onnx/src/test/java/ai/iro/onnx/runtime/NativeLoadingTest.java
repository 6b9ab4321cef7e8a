package ai.iro.onnx.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import ai.iro.onnx.lm.ShippedModel;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * ONNX Runtime's native load overflows small thread stacks and kills the JVM with SIGSEGV. Child JVMs
 * (same java, same test class path, which is long: ND4J's jars are on it) reproduce the crash with a
 * direct {@code OrtEnvironment.getEnvironment()} on the main thread, with a {@value #SMALL_STACK} stack
 * and, on the machines tried, with the default one; loading through {@link OrtRuntime} must load,
 * decode and exit 0 under {@value #SMALL_STACK}. (This test JVM itself, default stack and the same
 * class path, is the default-stack case of the safe path.)
 */
class NativeLoadingTest {
  /** The child JVM's thread stack size: small enough that a direct load crashes. */
  static final String SMALL_STACK = "-Xss256k";
  /** Exit status of a JVM killed by SIGSEGV. */
  static final int SIGSEGV_EXIT = 128 + 11;

  private static final class Child {
    final int exit;
    final String output;

    Child(int exit, String output) {
      this.exit = exit;
      this.output = output;
    }
  }

  /** Runs {@link OrtLoadProbe} in a child JVM; {@code stack} is an -Xss option, or empty for the default. */
  private static Child probe(String mode, String stack) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    if (!stack.isEmpty()) {
      command.add(stack);
    }
    command.addAll(List.of("-cp", System.getProperty("java.class.path"), OrtLoadProbe.class.getName(), mode,
        ShippedModel.directory().toString()));
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("child JVM finished").isTrue();
    System.out.printf("child JVM (%s, %s, class path of %d characters) exit %d: %s%n", mode,
        stack.isEmpty() ? "default stack" : stack, System.getProperty("java.class.path").length(), p.exitValue(),
        out.lines().filter(l -> l.startsWith("decoded") || l.contains("SIGSEGV")).findFirst().orElse("(no output)"));
    return new Child(p.exitValue(), out);
  }

  @Test
  void loadingThroughOrtRuntimeSurvivesASmallThreadStack() throws Exception {
    Child c = probe("safe", SMALL_STACK);
    assertThat(c.exit).as("exit status of a %s JVM loading through OrtRuntime; output:%n%s", SMALL_STACK, c.output).isZero();
    assertThat(c.output).contains("decoded: ");
  }

  @Test
  void aDirectLoadOnTheSameStackCrashes() throws Exception {
    Child c = probe("direct", SMALL_STACK);
    assumeThat(c.exit).as("a direct load crashed on this machine").isNotZero();
    assertThat(c.exit).as("killed by SIGSEGV").isEqualTo(SIGSEGV_EXIT);
  }

  @Test
  void aDirectLoadWithTheDefaultStackAndThisClassPathCrashes() throws Exception {
    Child c = probe("direct", "");
    assumeThat(c.exit).as("a direct load with the default stack crashed on this machine").isNotZero();
    assertThat(c.exit).as("killed by SIGSEGV").isEqualTo(SIGSEGV_EXIT);
  }
}
