/**
 * The frozen base model: {@link ai.iro.core.model.BaseModel}, its batches of decoding rows
 * ({@link ai.iro.core.model.Decoding}) and the sampling settings.
 */
package ai.iro.core.model;
