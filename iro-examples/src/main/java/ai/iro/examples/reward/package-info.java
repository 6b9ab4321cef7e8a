/** Rewards for the examples: AFINN-165 sentiment. */
package ai.iro.examples.reward;
