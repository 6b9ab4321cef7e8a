/**
 * Value functions: states, batches of states, the value stack {@code sum_i V_i / beta_i}, trainers
 * and the persistence SPI ({@link ai.iro.core.value.SavableValueFunction},
 * {@link ai.iro.core.value.ValueFunctionLoader}).
 */
package ai.iro.core.value;
