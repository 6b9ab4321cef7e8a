/**
 * Internals of the core: seed derivation and the policy/checkpoint directory format (its manifest,
 * value directories and their atomic writes). Not an API: the module does not export this package,
 * and it may change without notice. Saved policies are read and written through
 * {@link ai.iro.core.AlignedPolicy#save} and {@link ai.iro.core.AlignedPolicy#load}.
 */
package ai.iro.core.internal;
