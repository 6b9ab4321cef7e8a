/** Prompt datasets (from lists and JSON Lines) and how iterations split them. */
package ai.iro.core.data;
