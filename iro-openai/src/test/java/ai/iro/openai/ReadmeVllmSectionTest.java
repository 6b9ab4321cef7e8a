package ai.iro.openai;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README's remote setup ("Align a model served by vLLM") compiles against this module and iro-onnx. */
class ReadmeVllmSectionTest {
  private static final String HEADING = "## Align a model served by vLLM";
  private static final String IMPORTS = String.join("\n",
      "import ai.iro.core.*;", "import ai.iro.core.data.*;", "import ai.iro.core.reward.*;",
      "import ai.iro.core.value.*;", "import ai.iro.onnx.chat.*;", "import ai.iro.onnx.features.*;", "import ai.iro.onnx.text.*;",
      "import ai.iro.onnx.value.*;", "import ai.iro.openai.*;", "import java.nio.file.*;", "");

  @Test
  void theRemoteSetupInTheReadmeCompiles(@TempDir Path dir) throws IOException {
    String readme = Files.readString(Path.of(System.getProperty("iro.readme", "../README.md")));
    int section = readme.indexOf(HEADING);
    assertThat(section).as("README.md has the section %s", HEADING).isNotNegative();
    int start = readme.indexOf("```java\n", section) + "```java\n".length();
    int end = readme.indexOf("```", start);
    assertThat(readme.indexOf("\n## ", section + 1)).as("the snippet lies in the section").isGreaterThan(end);
    String snippet = readme.substring(start, end);
    assertThat(snippet).contains("OpenAiCompatibleModel.builder()", "HttpRewardModel.builder()", ".align(");
    Path source = dir.resolve("RemoteSnippet.java");
    Files.writeString(source, IMPORTS + "class RemoteSnippet {\n  static void run() throws Exception {\n" + snippet
        + "\n  }\n}\n");
    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    ByteArrayOutputStream errors = new ByteArrayOutputStream();
    int status = javac.run(null, null, errors, List.of("-classpath", System.getProperty("java.class.path"), "-d",
        dir.toString(), source.toString()).toArray(String[]::new));
    assertThat(status).as("the snippet compiles:%n%s", errors).isZero();
  }
}
