package ai.iro.examples.cli;

import ai.iro.examples.Demo;
import ai.iro.examples.ShippedModel;
import ai.iro.examples.eval.EvaluationReport;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code iro demo}: the whole IRO loop on the shipped model, offline. */
@Command(name = "demo", mixinStandardHelpOptions = true,
    description = "Align the shipped KJV model toward positive sentiment (AFINN-165) and compare with Best-of-16.",
    exitCodeListHeading = IroCommand.EXIT_CODES_HEADING,
    exitCodeList = {IroCommand.EXIT_OK_LINE, IroCommand.EXIT_FAILURE_LINE, IroCommand.EXIT_USAGE_LINE})
final class DemoCommand implements Callable<Integer> {
  @picocli.CommandLine.Spec
  picocli.CommandLine.Model.CommandSpec spec;

  @Option(names = "--out", defaultValue = "iro-demo", description = "Output directory (default: ${DEFAULT-VALUE}).")
  Path out;

  @Option(names = "--quick", description = "A shortened run (fewer prompts, shorter responses).")
  boolean quick;

  @Option(names = "--model", description = "Model directory (default: the shipped kjv-tiny model).")
  Path model;

  @Override
  public Integer call() throws Exception {
    Path dir = model != null ? model : ShippedModel.directory();
    Demo.Settings settings = quick ? Demo.Settings.quick(dir, out) : Demo.Settings.full(dir, out);
    EvaluationReport report = Demo.run(settings);
    spec.commandLine().getOut().println();
    spec.commandLine().getOut().print(report.table());
    spec.commandLine().getOut().println();
    spec.commandLine().getOut().println("wrote " + out.resolve("demo-results.json") + " and " + out.resolve("demo-results.png"));
    return 0;
  }
}
