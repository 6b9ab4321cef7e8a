/** The {@code iro} command line (picocli): demo, align, generate. */
package ai.iro.examples.cli;
