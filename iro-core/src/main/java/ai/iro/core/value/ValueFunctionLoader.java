package ai.iro.core.value;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Reads back the value functions of one {@link SavableValueFunction#format()}. Implementations are
 * found through {@link java.util.ServiceLoader} (list them in
 * {@code META-INF/services/ai.iro.core.value.ValueFunctionLoader}) or given explicitly.
 * Implementations should be stateless and thread safe: one loader may read several directories.
 */
public interface ValueFunctionLoader {

  /** The format this loader reads. */
  String format();

  /**
   * Loads a value function from a directory written by {@link SavableValueFunction#save}.
   *
   * @throws IOException if the files are missing, corrupt or of another format; the message names
   *     the file
   */
  ValueFunction load(Path directory) throws IOException;
}
