/** Policy and checkpoint directories: the JSON manifest and atomic writes. */
package ai.iro.core.io;
