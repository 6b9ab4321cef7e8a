/** Survivor selection for chunk-level search: {@link ai.iro.core.resample.Resampler}, its four rules and their standardised form. */
package ai.iro.core.resample;
