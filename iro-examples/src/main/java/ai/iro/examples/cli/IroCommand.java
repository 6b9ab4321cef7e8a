package ai.iro.examples.cli;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.util.regex.Pattern;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code iro} command line: {@code demo}, {@code eval}, {@code align}, {@code generate} and {@code serve}. Every error is
 * one line on standard error. Exit codes: {@value #EXIT_OK} on success; {@value #EXIT_FAILURE} when
 * the run fails (a file that cannot be read or parsed, the model or reward failing, an I/O error);
 * {@value #EXIT_USAGE} for a usage error (an unknown or missing option, a value out of range,
 * options that exclude each other, a path that does not exist or is of the wrong kind, an
 * {@code --out} that belongs to another run or holds other files, a prompt too long for the
 * model's context): a usage error is found before anything is written. {@link #run} builds its own
 * command objects per call; two runs on one {@code --out} at once are not supported.
 */
@Command(name = "iro", mixinStandardHelpOptions = true, version = "iro 0.1.0-SNAPSHOT",
    description = "Inference-time alignment of frozen language models (Iterative Reweight-then-Optimize).",
    subcommands = {DemoCommand.class, EvalCommand.class, AlignCommand.class, GenerateCommand.class, ServeCommand.class,
        CommandLine.HelpCommand.class},
    exitCodeListHeading = IroCommand.EXIT_CODES_HEADING,
    exitCodeList = {IroCommand.EXIT_OK_LINE, IroCommand.EXIT_FAILURE_LINE, IroCommand.EXIT_USAGE_LINE})
public final class IroCommand implements Runnable {
  /** Exit code of success. */
  public static final int EXIT_OK = 0;
  /** Exit code of a run that failed. */
  public static final int EXIT_FAILURE = 1;
  /** Exit code of a usage error. */
  public static final int EXIT_USAGE = 2;

  static final String EXIT_CODES_HEADING = "%nExit codes:%n";
  static final String EXIT_OK_LINE = "0:success";
  static final String EXIT_FAILURE_LINE = "1:the run failed: a file that cannot be read or parsed (prompts, model, "
      + "policy), the model or reward failed, an I/O error; align keeps its last checkpoint, rerun to resume";
  static final String EXIT_USAGE_LINE = "2:usage error: an unknown or missing option, a value out of range, options "
      + "that exclude each other, a path that does not exist or is of the wrong kind, an --out that belongs to "
      + "another run or holds other files, a prompt too long for the model's context; nothing was written";

  /** A message that already says where: {@code FILE:LINE:} or {@code FILE:LINE:COLUMN:}. */
  private static final Pattern FILE_LINE = Pattern.compile(":[0-9]+(:[0-9]+)?: ");

  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  /** Runs the command line and exits with its code. */
  public static void main(String[] args) {
    System.exit(run(new PrintWriter(System.out, true), new PrintWriter(System.err, true), args));
  }

  /**
   * Runs the command line without exiting.
   *
   * @return the exit code: {@value #EXIT_OK}, {@value #EXIT_FAILURE} or {@value #EXIT_USAGE}
   */
  public static int run(PrintWriter out, PrintWriter err, String... args) {
    CommandLine cli = new CommandLine(new IroCommand());
    cli.setOut(out);
    cli.setErr(err);
    cli.setParameterExceptionHandler((e, arguments) -> usage(e.getCommandLine(), e.getMessage()));
    cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
      if (e instanceof UsageError) {
        return usage(commandLine, e.getMessage());
      }
      commandLine.getErr().println("iro: " + (expected(e) ? "" : "internal error (please report it): "
          + e.getClass().getName() + ": ") + message(e));
      return EXIT_FAILURE;
    });
    return cli.execute(args);
  }

  /** The failures a run may end with: bad files, I/O, the model or reward failing. Anything else is a bug. */
  private static boolean expected(Exception e) {
    return e instanceof IOException || e instanceof UncheckedIOException || e instanceof IllegalArgumentException
        || e instanceof IllegalStateException || e instanceof UnsupportedOperationException;
  }

  private static int usage(CommandLine command, String message) {
    command.getErr().println("iro: " + oneLine(message));
    command.getErr().println("Try '" + command.getCommandSpec().qualifiedName() + " --help' for usage.");
    return EXIT_USAGE;
  }

  /**
   * The first line of the message (Jackson's second line quotes the source), with the line and
   * column of a JSON error in the causes when the message does not say them.
   */
  static String message(Throwable e) {
    String m = e.getMessage() == null ? e.getClass().getSimpleName() : oneLine(e.getMessage());
    for (Throwable c = e; c != null; c = c.getCause()) {
      if (c instanceof JsonProcessingException) {
        JsonLocation at = ((JsonProcessingException) c).getLocation();
        boolean located = m.contains("line ") || FILE_LINE.matcher(m).find();
        if (at != null && at.getLineNr() > 0 && !located) {
          m += " (line " + at.getLineNr() + ", column " + at.getColumnNr() + ")";
        }
        break;
      }
      if (c.getCause() == c) {
        break;
      }
    }
    return m;
  }

  private static String oneLine(String message) {
    int newline = message.indexOf('\n');
    return (newline < 0 ? message : message.substring(0, newline)).strip();
  }

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "missing command: demo, eval, align, generate or serve");
  }
}
