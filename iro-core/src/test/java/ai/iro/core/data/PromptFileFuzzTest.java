package ai.iro.core.data;

import static org.assertj.core.api.Assertions.assertThat;

import ai.iro.core.testing.Fuzz;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fuzzed prompt files: {@link PromptDataset#fromJsonl} either reads prompts (each non-blank) or
 * throws an {@link IOException} whose message starts with the file; never another exception, a
 * hang or a change to the file.
 */
@Timeout(120)
class PromptFileFuzzTest {
  private static final String SAMPLE = "{\"prompt\": \"And God said\", \"id\": 1}\n\n"
      + "{\"prompt\": \"Grüße, 世界 \\u00e9\", \"meta\": {\"tags\": [\"a\"]}}\r\n{\"prompt\": \"In the beginning\"}\n";

  @TempDir
  Path dir;

  private void property(byte[] content) throws IOException {
    Path file = dir.resolve("prompts.jsonl");
    Files.write(file, content);
    try {
      PromptDataset d = PromptDataset.fromJsonl(file);
      assertThat(d.texts()).allSatisfy(t -> assertThat(t).isNotBlank());
    } catch (IOException e) {
      assertThat(e.getMessage()).as("the message names the file").startsWith(file.toString());
      assertThat(e.getMessage()).as("one line").doesNotContain("\n");
    }
    assertThat(Files.readAllBytes(file)).as("the file is unchanged").isEqualTo(content);
  }

  @Test
  void randomBytes() {
    Fuzz.forAll("prompt JSONL of random bytes", 300, r -> Fuzz.bytes(r, r.nextInt(200)), this::property);
  }

  @Test
  void linesOfEveryKind() {
    Fuzz.forAll("prompt JSONL lines: valid, truncated, wrong types, invalid UTF-8, huge, deep", 400,
        PromptFileFuzzTest::lines, this::property);
  }

  @Test
  void everyTruncationAndBitFlipOfAValidFile() {
    byte[] sample = SAMPLE.getBytes(StandardCharsets.UTF_8);
    Fuzz.forEach("prompt JSONL truncated at every byte", Fuzz.truncations(sample), this::property);
    Fuzz.forEach("prompt JSONL with every single bit flipped", Fuzz.bitFlips(sample, 0, sample.length), this::property);
  }

  private static byte[] lines(SplittableRandom r) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int n = 1 + r.nextInt(6);
    for (int i = 0; i < n; i++) {
      String text = Fuzz.text(r, r.nextInt(20));
      String valid = "{\"prompt\": " + (r.nextInt(5) == 0 ? "\"" + text + "\"" : Fuzz.quoted(text))
          + (r.nextBoolean() ? ", \"x\": " + Fuzz.jsonValue(r, 0) : "") + "}";
      byte[] line;
      switch (r.nextInt(10)) {
        case 0:
          line = valid.substring(0, r.nextInt(valid.length())).getBytes(StandardCharsets.UTF_8);
          break;
        case 1:
          line = ("{\"prompt\": " + Fuzz.jsonValue(r, 0) + "}").getBytes(StandardCharsets.UTF_8);
          break;
        case 2:
          line = Fuzz.jsonValue(r, 0).getBytes(StandardCharsets.UTF_8);
          break;
        case 3: {
          byte[] v = valid.getBytes(StandardCharsets.UTF_8);
          byte[] bad = Fuzz.invalidUtf8(r);
          int at = 1 + r.nextInt(v.length - 1);
          line = new byte[v.length + bad.length];
          System.arraycopy(v, 0, line, 0, at);
          System.arraycopy(bad, 0, line, at, bad.length);
          System.arraycopy(v, at, line, at + bad.length, v.length - at);
          break;
        }
        case 4:
          line = r.nextInt(8) == 0 ? ("{\"prompt\": \"" + "x".repeat(3_000_000 + r.nextInt(1000)) + "\"}")
              .getBytes(StandardCharsets.UTF_8) : Fuzz.bytes(r, r.nextInt(40));
          break;
        case 5:
          line = ("[".repeat(2000 + r.nextInt(3000))).getBytes(StandardCharsets.UTF_8);
          break;
        case 6:
          line = (r.nextBoolean() ? "" : " \t ").getBytes(StandardCharsets.UTF_8);
          break;
        case 7:
          line = (valid + " " + valid).getBytes(StandardCharsets.UTF_8);
          break;
        default:
          line = valid.getBytes(StandardCharsets.UTF_8);
      }
      out.writeBytes(line);
      if (i < n - 1 || r.nextBoolean()) {
        out.writeBytes(r.nextInt(4) == 0 ? new byte[] {'\r', '\n'} : new byte[] {'\n'});
      }
    }
    return out.toByteArray();
  }
}
