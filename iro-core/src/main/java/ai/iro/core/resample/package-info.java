/** Survivor selection for chunk-level search: {@link ai.iro.core.resample.Resampler} and its four rules. */
package ai.iro.core.resample;
