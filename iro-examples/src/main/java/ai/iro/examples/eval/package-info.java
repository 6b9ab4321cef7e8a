/** Evaluation of decoding methods against a base sample: mean reward, win rate, tokens, time. */
package ai.iro.examples.eval;
