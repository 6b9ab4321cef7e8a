package ai.iro.core.testing;

import ai.iro.core.io.InvalidPolicyException;
import ai.iro.core.value.SavableValueFunction;
import ai.iro.core.value.StateBatch;
import ai.iro.core.value.ValueFunction;
import ai.iro.core.value.ValueFunctionLoader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** A value per response-prefix text; unseen prefixes score {@link #UNSEEN}. Savable. */
public final class TabularValue implements SavableValueFunction {
  public static final String FORMAT = "test.tabular";
  public static final double UNSEEN = 0.0;
  static final String FILE = "values.tsv";

  private final TreeMap<String, Double> values;

  public TabularValue(Map<String, Double> values) {
    this.values = new TreeMap<>(values);
  }

  public double value(String prefix) {
    return values.getOrDefault(prefix, UNSEEN);
  }

  public Map<String, Double> table() {
    return java.util.Collections.unmodifiableMap(values);
  }

  @Override
  public double[] values(StateBatch states) {
    double[] out = new double[states.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = value(states.get(i).responseText());
    }
    return out;
  }

  @Override
  public String format() {
    return FORMAT;
  }

  @Override
  public void save(Path directory) throws IOException {
    List<String> lines = new ArrayList<>();
    values.forEach((k, v) -> lines.add("k" + k + "\t" + v));
    Files.write(directory.resolve(FILE), lines, StandardCharsets.UTF_8);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof TabularValue && ((TabularValue) o).values.equals(values);
  }

  @Override
  public int hashCode() {
    return values.hashCode();
  }

  @Override
  public String toString() {
    return "TabularValue" + values;
  }

  /** Reads {@link TabularValue}; registered through META-INF/services in test resources. */
  public static final class Loader implements ValueFunctionLoader {
    @Override
    public String format() {
      return FORMAT;
    }

    @Override
    public ValueFunction load(Path directory) throws IOException {
      Path file = directory.resolve(FILE);
      Map<String, Double> values = new TreeMap<>();
      for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
        int tab = line.indexOf('\t');
        if (!line.startsWith("k") || tab < 0) {
          throw new InvalidPolicyException(file + ": bad line '" + line + "'");
        }
        values.put(line.substring(1, tab), Double.parseDouble(line.substring(tab + 1)));
      }
      return new TabularValue(values);
    }
  }
}
