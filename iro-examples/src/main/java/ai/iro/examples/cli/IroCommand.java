package ai.iro.examples.cli;

import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code iro} command line: {@code demo}, {@code align} and {@code generate}. Wrong arguments
 * print a short message and exit with 2; failures at run time print one line and exit with 1.
 */
@Command(name = "iro", mixinStandardHelpOptions = true, version = "iro 0.1.0-SNAPSHOT",
    description = "Inference-time alignment of frozen language models (Iterative Reweight-then-Optimize).",
    subcommands = {DemoCommand.class, AlignCommand.class, GenerateCommand.class, CommandLine.HelpCommand.class})
public final class IroCommand implements Runnable {
  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  /** Runs the command line and exits with its code. */
  public static void main(String[] args) {
    System.exit(run(new PrintWriter(System.out, true), new PrintWriter(System.err, true), args));
  }

  /**
   * Runs the command line without exiting.
   *
   * @return the exit code: 0 on success, 1 on a run-time failure, 2 on wrong arguments
   */
  public static int run(PrintWriter out, PrintWriter err, String... args) {
    CommandLine cli = new CommandLine(new IroCommand());
    cli.setOut(out);
    cli.setErr(err);
    cli.setParameterExceptionHandler((e, arguments) -> {
      CommandLine bad = e.getCommandLine();
      bad.getErr().println("iro: " + e.getMessage());
      bad.getErr().println("Try '" + bad.getCommandSpec().qualifiedName() + " --help' for usage.");
      return bad.getCommandSpec().exitCodeOnInvalidInput();
    });
    cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
      commandLine.getErr().println("iro: " + message(e));
      return 1;
    });
    return cli.execute(args);
  }

  private static String message(Throwable e) {
    String m = e.getMessage();
    return m == null ? e.getClass().getSimpleName() : m;
  }

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "missing command: demo, align or generate");
  }
}
