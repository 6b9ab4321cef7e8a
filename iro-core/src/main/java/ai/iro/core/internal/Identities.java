package ai.iro.core.internal;

import java.util.Optional;

/** The default identity of a reward model or value trainer: its class name when that is stable. */
public final class Identities {
  private Identities() {}

  /** The class name of a named class; empty for lambdas, anonymous and local classes. */
  public static Optional<String> ofClass(Class<?> type) {
    if (type.isSynthetic() || type.isHidden() || type.isAnonymousClass() || type.isLocalClass()) {
      return Optional.empty();
    }
    return Optional.of(type.getName());
  }
}
