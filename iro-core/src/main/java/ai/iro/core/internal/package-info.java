/** Internals of the core; not an API, may change without notice. */
package ai.iro.core.internal;
