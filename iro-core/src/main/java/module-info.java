/**
 * IRO core: the API and the pure-Java algorithm (search, resampling, value stacks, the alignment
 * loop). Every package is exported except {@code ai.iro.core.internal}, the seed derivation and the
 * policy directory format.
 */
module ai.iro.core {
  requires com.google.common;
  requires com.fasterxml.jackson.databind;

  exports ai.iro.core;
  exports ai.iro.core.data;
  exports ai.iro.core.io;
  exports ai.iro.core.model;
  exports ai.iro.core.resample;
  exports ai.iro.core.reward;
  exports ai.iro.core.search;
  exports ai.iro.core.value;

  // Loading a policy or resuming a run finds value-function loaders with ServiceLoader: a provider on the
  // class path lists itself in META-INF/services, a provider module says "provides ... with ...".
  uses ai.iro.core.value.ValueFunctionLoader;
}
