package ai.iro.examples.cli;

import ai.iro.core.data.Prompt;
import ai.iro.onnx.lm.OnnxCausalLM;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;

/** Checks of the command line's paths and lengths, made before a command writes anything. */
final class Checks {
  /**
   * The names {@code iro align} writes into {@code --out}: the manifest, cli.json, value
   * directories, and the temporaries of each that a killed run may leave (deleted on resume).
   */
  private static final Pattern OWN_NAMES = Pattern.compile(
      "manifest\\.json|cli\\.json|value-[0-9]+|\\.value-[0-9]+-[0-9]+|\\.(manifest|cli)\\.json-[0-9]+\\.tmp");

  private Checks() {}

  /** The file named by {@code option} exists and is a regular file. */
  static void requireFile(String option, Path file) {
    if (Files.isDirectory(file)) {
      throw new UsageError(option + " " + file + ": is a directory; expected a file");
    }
    if (!Files.isRegularFile(file)) {
      throw new UsageError(option + " " + file + ": no such file");
    }
  }

  /** The directory named by {@code option} exists. */
  static void requireDirectory(String option, Path directory) {
    if (Files.isRegularFile(directory)) {
      throw new UsageError(option + " " + directory + ": is a file; expected a directory");
    }
    if (!Files.isDirectory(directory)) {
      throw new UsageError(option + " " + directory + ": no such directory");
    }
  }

  /**
   * {@code --out} is absent, an empty directory, or a directory holding only what {@code iro align}
   * writes: never a file, never a directory of other files (which a resume's clean-up could touch).
   */
  static void requireOwnOutput(Path out) throws IOException {
    if (Files.exists(out) && !Files.isDirectory(out)) {
      throw new UsageError("--out " + out + ": is a file; expected a directory for the policy (a new or empty one, "
          + "or the --out of an earlier run to resume it)");
    }
    if (!Files.isDirectory(out)) {
      return;
    }
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(out)) {
      for (Path p : entries) {
        String name = p.getFileName().toString();
        boolean valueDirectory = name.startsWith("value-") || name.startsWith(".value-");
        if (!OWN_NAMES.matcher(name).matches() || Files.isSymbolicLink(p)
            || Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS) != valueDirectory) {
          throw new UsageError("--out " + out + ": holds " + name + ", which iro align did not write; expected a new or "
              + "empty directory, or the --out of an earlier run to resume it");
        }
      }
    }
  }

  /**
   * Every prompt leaves room for {@code maxNewTokens} new tokens in the model's context: a prompt
   * that does not would get a shorter response than asked for, silently.
   *
   * @param source what the prompts came from, for the message
   */
  static void requireRoom(OnnxCausalLM lm, List<Prompt> prompts, int maxNewTokens, String source) {
    int context = lm.contextLength();
    if (maxNewTokens >= context) {
      throw new UsageError("--max-new-tokens " + maxNewTokens + ": the context of " + lm.directory() + " is " + context
          + " tokens, and a prompt takes at least one; use at most " + (context - 1));
    }
    int tooLong = 0;
    int first = -1;
    int firstTokens = 0;
    int longest = 0;
    for (int i = 0; i < prompts.size(); i++) {
      int tokens;
      try {
        tokens = lm.encodePrompt(prompts.get(i)).length;
      } catch (UnsupportedOperationException e) {
        throw new UsageError(source + ": prompt " + (i + 1) + " is a conversation of " + prompts.get(i).messages().size()
            + " messages " + prompts.get(i).roles() + "; pass --chat to render it with the model's chat template");
      }
      longest = Math.max(longest, tokens);
      if (tokens + maxNewTokens > context && tooLong++ == 0) {
        first = i;
        firstTokens = tokens;
      }
    }
    if (tooLong > 0) {
      String text = prompts.get(first).text();
      throw new UsageError(source + ": " + tooLong + " prompt(s) leave no room for --max-new-tokens " + maxNewTokens
          + " in the model's context of " + context + " tokens; the first is prompt " + (first + 1) + " (\""
          + (text.length() > 40 ? text.substring(0, 40) + "..." : text) + "\", " + firstTokens + " tokens). "
          + (longest < context ? "Use --max-new-tokens " + (context - longest) + " or less, or shorten the prompts"
              : "Shorten the prompts: the longest has " + longest + " tokens"));
    }
  }
}
