/** Rewards for the examples and the evaluation tasks: AFINN-165 sentiment, a word set (sparse), the share of long words (dense). */
package ai.iro.examples.reward;
