package ai.iro.core;

import ai.iro.core.internal.PolicyDirectory;
import ai.iro.core.internal.PolicyManifest;
import ai.iro.core.value.ValueFunction;
import ai.iro.core.value.ValueFunctionLoader;
import ai.iro.core.value.ValueStack;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * An {@link Aligner}'s checkpoint directory: the manifest of the run it holds, resuming from the
 * iterations it committed, and writing each finished iteration. I/O failures are
 * {@link UncheckedIOException}s naming the directory, as {@link Aligner#align} documents.
 */
final class Checkpoints {
  private Checkpoints() {
  }

  /**
   * The checkpoint's manifest when it holds the run of {@code manifest}, else {@code manifest}
   * itself (a directory with no manifest).
   *
   * @throws IllegalArgumentException if the directory holds another run's manifest
   */
  static PolicyManifest matching(Path dir, PolicyManifest manifest, RunIdentity identity) {
    Optional<PolicyManifest> existing;
    try {
      existing = PolicyDirectory.readManifest(dir);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read checkpoint directory " + dir + ": " + e.getMessage(), e);
    }
    if (existing.isEmpty()) {
      return manifest;
    }
    if (!existing.get().runId().equals(manifest.runId())) {
      throw new IllegalArgumentException("checkpoint directory " + dir + " holds another run's manifest (run "
          + existing.get().runId() + ", this run is " + manifest.runId() + "; "
          + identity.differenceFrom(existing.get()) + "); use an empty directory or the original settings");
    }
    return existing.get();
  }

  /**
   * Loads the value functions of the iterations {@code manifest} lists (none for a new run) and
   * deletes the temporary files and uncommitted value directories a killed run left.
   */
  static ValueStack resume(Path dir, PolicyManifest manifest, List<ValueFunctionLoader> loaders) {
    ValueStack stack = ValueStack.empty();
    try {
      if (!manifest.entries().isEmpty()) {
        stack = AlignedPolicy.loadValues(dir, manifest, PolicyDirectory.loaders(loaders));
      }
      PolicyDirectory.removeLeftovers(dir, manifest.entries().size());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read checkpoint directory " + dir + ": " + e.getMessage(), e);
    }
    return stack;
  }

  /** Writes iteration {@code t}'s value function into {@code directory}, then the manifest that commits it. */
  static void write(Path dir, int t, String directory, ValueFunction function, PolicyManifest manifest) {
    try {
      PolicyDirectory.writeValue(dir, directory, function);
      PolicyDirectory.writeManifest(dir, manifest);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write checkpoint of iteration " + t + " to " + dir, e);
    }
  }
}
