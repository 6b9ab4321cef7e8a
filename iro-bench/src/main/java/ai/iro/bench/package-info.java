/** JMH benchmarks of the guided-decoding hot loop. Run the shaded {@code benchmarks.jar}. */
package ai.iro.bench;
