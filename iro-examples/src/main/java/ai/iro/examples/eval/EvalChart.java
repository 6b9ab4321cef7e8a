package ai.iro.examples.eval;

import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.axis.SymbolAxis;
import org.jfree.chart.plot.CombinedDomainXYPlot;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYErrorRenderer;
import org.jfree.data.xy.YIntervalSeries;
import org.jfree.data.xy.YIntervalSeriesCollection;

/** The evaluation's chart: one panel per task, each method's mean reward with its 95 % interval. Stateless. */
final class EvalChart {
  /** Chart width in pixels. */
  static final int WIDTH = 900;
  /** Height per task panel in pixels. */
  static final int PANEL_HEIGHT = 260;

  private EvalChart() {}

  static void write(EvalReport report, Path file) throws IOException {
    System.setProperty("java.awt.headless", "true");
    List<String> methods = report.tasks().get(0).methods().stream().map(MethodSummary::method).toList();
    SymbolAxis axis = new SymbolAxis("method", methods.toArray(String[]::new));
    axis.setGridBandsVisible(false);
    CombinedDomainXYPlot plot = new CombinedDomainXYPlot(axis);
    plot.setGap(12);
    for (TaskResult t : report.tasks()) {
      YIntervalSeries series = new YIntervalSeries(t.task());
      for (int i = 0; i < t.methods().size(); i++) {
        Interval m = t.methods().get(i).mean();
        series.add(i, m.estimate(), m.lower(), m.upper());
      }
      YIntervalSeriesCollection data = new YIntervalSeriesCollection();
      data.addSeries(series);
      XYErrorRenderer renderer = new XYErrorRenderer();
      renderer.setDrawXError(false);
      renderer.setErrorStroke(new BasicStroke(1.5f));
      renderer.setSeriesPaint(0, new Color(0x1f77b4));
      renderer.setDefaultLinesVisible(false);
      NumberAxis reward = new NumberAxis(t.task());
      reward.setAutoRangeIncludesZero(false);
      XYPlot panel = new XYPlot(data, null, reward, renderer);
      panel.setBackgroundPaint(Color.WHITE);
      panel.setRangeGridlinePaint(Color.LIGHT_GRAY);
      plot.add(panel, 1);
    }
    JFreeChart chart = new JFreeChart("Mean reward on held-out prompts, 95% bootstrap CI ("
        + report.settings().seeds() + (report.settings().seeds() == 1 ? " seed)" : " seeds)"), JFreeChart.DEFAULT_TITLE_FONT, plot, false);
    chart.setBackgroundPaint(Color.WHITE);
    Path tmp = Files.createTempFile(file.toAbsolutePath().getParent(), ".chart-", ".png");
    ChartUtils.saveChartAsPNG(tmp.toFile(), chart, WIDTH, 80 + PANEL_HEIGHT * report.tasks().size());
    Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }
}
