package ai.iro.core.value;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A value function that writes itself into a directory, to be read back by the
 * {@link ValueFunctionLoader} of the same {@link #format()}: the persistence SPI. {@link #save} may
 * run while other threads score with the function; it must not change the function.
 */
public interface SavableValueFunction extends ValueFunction {

  /** The format name that selects the loader, for example {@code "iro.mlp-head"}. */
  String format();

  /**
   * Writes this value function's files into {@code directory}, which exists and is empty. Callers
   * make the whole directory appear atomically; implementations just write.
   */
  void save(Path directory) throws IOException;
}
