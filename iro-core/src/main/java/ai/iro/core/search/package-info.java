/** Chunk-level beam search guided by a value stack: {@link ai.iro.core.search.Searcher} and its results. */
package ai.iro.core.search;
