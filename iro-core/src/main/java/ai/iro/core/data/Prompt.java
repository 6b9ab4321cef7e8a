package ai.iro.core.data;

import com.google.common.collect.ImmutableMap;
import java.util.Map;
import java.util.Objects;

/**
 * A prompt and any other fields its source record carried (kept, not interpreted). Immutable and
 * thread safe.
 *
 * @param text the prompt text
 * @param fields the other fields of the record, by name (values as JSON gives them: strings,
 *     numbers, booleans, lists, maps); never contains {@code "prompt"}
 */
public record Prompt(String text, Map<String, Object> fields) {
  /** Validates and copies the fields. */
  public Prompt {
    Objects.requireNonNull(text, "text");
    fields = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(fields));
  }

  /** A prompt with no other fields. */
  public static Prompt of(String text) {
    return new Prompt(text, ImmutableMap.of());
  }
}
