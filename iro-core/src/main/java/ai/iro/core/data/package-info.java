/** Prompt datasets (from lists, JSON Lines and JSON arrays of plain, chat and Alpaca records), chat messages, and how iterations split them. */
package ai.iro.core.data;
