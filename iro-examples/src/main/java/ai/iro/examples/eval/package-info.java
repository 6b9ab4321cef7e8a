/**
 * Evaluation of decoding methods on held-out prompts: {@link ai.iro.examples.eval.Evaluator} runs
 * one method against a base sample (the demo's table); {@link ai.iro.examples.eval.Evaluation} runs
 * {@code iro eval}, the comparison over tasks and seeds with bootstrap intervals
 * ({@link ai.iro.examples.eval.Bootstrap}), value recipes and the JSON, Markdown and chart report.
 */
package ai.iro.examples.eval;
