/** Reward models: scores of finished responses. */
package ai.iro.core.reward;
