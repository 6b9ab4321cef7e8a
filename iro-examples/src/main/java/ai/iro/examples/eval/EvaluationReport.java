package ai.iro.examples.eval;

import ai.iro.core.io.AtomicFiles;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.common.base.Preconditions;
import com.google.common.collect.ImmutableList;
import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Locale;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/**
 * The demo's results: a terminal table, a JSON file and a PNG chart (reward per IRO iteration, with
 * Best-of-N and the base sample as horizontal lines). Immutable and thread safe.
 */
public final class EvaluationReport {
  private final MethodResult base;
  private final MethodResult bestOfN;
  private final ImmutableList<MethodResult> others;
  private final ImmutableList<MethodResult> iro;

  /**
   * @param base the base sample
   * @param bestOfN Best-of-N with the reward
   * @param others other methods shown in the table (e.g. one-shot value guidance)
   * @param iro IRO after iterations 1, 2, ..., in order
   */
  public EvaluationReport(MethodResult base, MethodResult bestOfN, List<MethodResult> others, List<MethodResult> iro) {
    Preconditions.checkArgument(!iro.isEmpty(), "no IRO iterations to report");
    this.base = base;
    this.bestOfN = bestOfN;
    this.others = ImmutableList.copyOf(others);
    this.iro = ImmutableList.copyOf(iro);
  }

  /** Every method, in table order. */
  public List<MethodResult> rows() {
    return ImmutableList.<MethodResult>builder().add(base, bestOfN).addAll(others).addAll(iro).build();
  }

  /** Base sample. */
  public MethodResult base() {
    return base;
  }

  /** Best-of-N. */
  public MethodResult bestOfN() {
    return bestOfN;
  }

  /** IRO after iterations 1, 2, .... */
  public List<MethodResult> iro() {
    return iro;
  }

  /** The table as fixed-width text. */
  public String table() {
    StringBuilder sb = new StringBuilder();
    String header = String.format(Locale.ROOT, "%-28s %12s %14s %14s %12s%n", "method", "mean reward",
        "win vs base", "tokens", "wall s");
    sb.append(header).append("-".repeat(header.length() - 1)).append('\n');
    for (MethodResult r : rows()) {
      sb.append(String.format(Locale.ROOT, "%-28s %12.3f %13.1f%% %14d %12.1f%n", r.method(), r.meanReward(),
          100 * r.winRate(), r.tokensSampled(), r.wallTime().toMillis() / 1000.0));
    }
    return sb.toString();
  }

  /** The table as Markdown, for the README. */
  public String markdown() {
    StringBuilder sb = new StringBuilder("| method | mean reward | win vs base | tokens | wall s |\n|---|---|---|---|---|\n");
    for (MethodResult r : rows()) {
      sb.append(String.format(Locale.ROOT, "| %s | %.3f | %.1f%% | %d | %.1f |%n", r.method(), r.meanReward(),
          100 * r.winRate(), r.tokensSampled(), r.wallTime().toMillis() / 1000.0));
    }
    return sb.toString();
  }

  /** Writes the rows as JSON, atomically. */
  public void writeJson(Path file) throws IOException {
    ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    ObjectNode root = json.createObjectNode();
    ArrayNode rows = root.putArray("methods");
    for (MethodResult r : rows()) {
      ObjectNode n = rows.addObject();
      n.put("method", r.method());
      n.put("meanReward", r.meanReward());
      n.put("winRateVsBase", r.winRate());
      n.put("tokensSampled", r.tokensSampled());
      n.put("wallTimeMillis", r.wallTime().toMillis());
    }
    AtomicFiles.writeString(file, json.writeValueAsString(root));
  }

  /** Draws mean reward per IRO iteration, with Best-of-N and the base as lines, as a PNG. */
  public void writeChart(Path file) throws IOException {
    System.setProperty("java.awt.headless", "true");
    XYSeries iroSeries = new XYSeries("IRO (search guided by V_1..V_t)");
    XYSeries bonSeries = new XYSeries(bestOfN.method());
    XYSeries baseSeries = new XYSeries(base.method());
    for (int t = 0; t < iro.size(); t++) {
      iroSeries.add(t + 1, iro.get(t).meanReward());
    }
    for (double x : new double[] {1, iro.size()}) {
      bonSeries.add(x, bestOfN.meanReward());
      baseSeries.add(x, base.meanReward());
    }
    XYSeriesCollection data = new XYSeriesCollection();
    data.addSeries(iroSeries);
    data.addSeries(bonSeries);
    data.addSeries(baseSeries);
    JFreeChart chart = ChartFactory.createXYLineChart("Mean reward on held-out prompts", "IRO iteration",
        "mean reward", data, PlotOrientation.VERTICAL, true, false, false);
    XYPlot plot = chart.getXYPlot();
    plot.setBackgroundPaint(Color.WHITE);
    plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
    XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, true);
    renderer.setSeriesPaint(0, new Color(0x1f77b4));
    renderer.setSeriesPaint(1, new Color(0xd62728));
    renderer.setSeriesPaint(2, Color.GRAY);
    renderer.setSeriesStroke(0, new BasicStroke(2.5f));
    renderer.setSeriesStroke(1, new BasicStroke(2f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {6f, 4f}, 0f));
    renderer.setSeriesStroke(2, new BasicStroke(2f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {2f, 3f}, 0f));
    renderer.setSeriesShapesVisible(1, false);
    renderer.setSeriesShapesVisible(2, false);
    plot.setRenderer(renderer);
    ((org.jfree.chart.axis.NumberAxis) plot.getDomainAxis()).setStandardTickUnits(
        org.jfree.chart.axis.NumberAxis.createIntegerTickUnits());
    ((org.jfree.chart.axis.NumberAxis) plot.getRangeAxis()).setAutoRangeIncludesZero(false);
    Path tmp = Files.createTempFile(file.toAbsolutePath().getParent(), ".chart-", ".png");
    ChartUtils.saveChartAsPNG(tmp.toFile(), chart, 800, 500);
    Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }
}
