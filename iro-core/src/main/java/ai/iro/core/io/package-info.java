/**
 * File-level API: the exception a damaged or foreign policy directory raises, and atomic writes
 * for tools that keep reports next to policies. The directory format itself is internal.
 */
package ai.iro.core.io;
