/**
 * IRO, Iterative Reweight-then-Optimize: {@link ai.iro.core.Aligner} trains a stack of value
 * functions that steers a frozen base model; {@link ai.iro.core.AlignedPolicy} generates with it.
 */
package ai.iro.core;
