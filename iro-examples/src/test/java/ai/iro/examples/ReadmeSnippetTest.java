package ai.iro.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.StringWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.SimpleJavaFileObject;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Keeps the README honest: its Java snippets must compile against the current API and the OpenAI SDK. */
class ReadmeSnippetTest {
  private static final Pattern JAVA_BLOCK = Pattern.compile("```java\\n(.*?)```", Pattern.DOTALL);

  @Test
  void readmeSnippetCompiles(@TempDir Path out) throws IOException {
    String snippet = javaBlock(block -> true);
    assertThat(snippet).contains("Aligner.builder()").contains(".align(");
    assertCompiles(out, Snippets.IMPORTS, snippet);
  }

  @Test
  void prefixRewardSnippetCompiles(@TempDir Path out) throws IOException {
    String snippet = taggedBlock("prefix-reward");
    assertThat(snippet).contains("PrefixRewardFeatures").contains("ConcatenatedFeatures")
        .contains("MlpValueHead.loader(features)");
    assertCompiles(out, Snippets.IMPORTS, snippet);
  }

  @Test
  void keepDecodedStatesSnippetCompiles(@TempDir Path out) throws IOException {
    String snippet = taggedBlock("keep-decoded-states");
    assertThat(snippet).contains(".keepDecodedStates(").contains(".align(");
    assertCompiles(out, Snippets.IMPORTS, snippet);
  }

  /**
   * The README block fenced as {@code ```java TAG}, which the tests of the first plain
   * {@code ```java} block skip.
   */
  private static String taggedBlock(String tag) throws IOException {
    String readme = Files.readString(Path.of(System.getProperty("iro.readme", "../README.md")));
    Matcher m = Pattern.compile("```java " + Pattern.quote(tag) + "\\n(.*?)```", Pattern.DOTALL).matcher(readme);
    assertThat(m.find()).as("README.md has the %s snippet", tag).isTrue();
    return m.group(1);
  }

  @Test
  void serveClientSnippetCompilesAgainstTheOpenAiSdk(@TempDir Path out) throws IOException {
    String snippet = javaBlock(block -> block.contains("OpenAIOkHttpClient"));
    assertThat(snippet).contains("/v1").contains(".seed(");
    assertCompiles(out, "import com.openai.client.*;\n"
        + "import com.openai.client.okhttp.*;\n"
        + "import com.openai.models.completions.*;\n", snippet);
  }

  /** The first ```java block of the README that {@code select} accepts. */
  private static String javaBlock(Predicate<String> select) throws IOException {
    String readme = Files.readString(Path.of(System.getProperty("iro.readme", "../README.md")));
    Matcher m = JAVA_BLOCK.matcher(readme);
    while (m.find()) {
      if (select.test(m.group(1))) {
        return m.group(1);
      }
    }
    throw new AssertionError("README.md has no such ```java block");
  }

  private static void assertCompiles(Path out, String imports, String snippet) {
    String source = imports + "class ReadmeSnippet {\n  static void run() throws Exception {\n" + snippet + "\n  }\n}\n";
    JavaCompiler compiler = ToolProvider.getSystemJavaCompiler();
    DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
    JavaFileObject file = new SimpleJavaFileObject(URI.create("string:///ReadmeSnippet.java"), JavaFileObject.Kind.SOURCE) {
      @Override
      public CharSequence getCharContent(boolean ignoreEncodingErrors) {
        return source;
      }
    };
    StringWriter log = new StringWriter();
    boolean ok = compiler.getTask(log, null, diagnostics,
        List.of("-classpath", System.getProperty("java.class.path"), "-d", out.toString()), null, List.of(file)).call();
    assertThat(ok).as("README snippet compiles:%n%s%n%s", diagnostics.getDiagnostics(), source).isTrue();
  }
}
