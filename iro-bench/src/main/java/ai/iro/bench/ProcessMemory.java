package ai.iro.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;

/** This process's memory as the probes report it: Linux's /proc/self/status and the JVM's heap pools. */
final class ProcessMemory {
  private ProcessMemory() {}

  /** Resident memory now (VmRSS), in KiB; 0 where /proc is absent. */
  static long residentKb() {
    return status("VmRSS:");
  }

  /** The highest resident memory of the process so far (VmHWM, kept by the kernel), in KiB; 0 where absent. */
  static long peakResidentKb() {
    return status("VmHWM:");
  }

  /**
   * The sum over the heap's memory pools of each pool's peak use since the JVM started, in bytes:
   * an upper bound of the heap's peak (pools peak at different times).
   */
  static long heapPoolPeaksBytes() {
    long sum = 0;
    for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
      if (pool.getType() == MemoryType.HEAP) {
        sum += pool.getPeakUsage().getUsed();
      }
    }
    return sum;
  }

  /** The heap in use after {@code System.gc()}, in bytes. */
  static long heapAfterGcBytes() {
    System.gc();
    Runtime rt = Runtime.getRuntime();
    return rt.totalMemory() - rt.freeMemory();
  }

  private static long status(String key) {
    Path status = Path.of("/proc/self/status");
    if (!Files.exists(status)) {
      return 0;
    }
    try {
      for (String line : Files.readAllLines(status)) {
        if (line.startsWith(key)) {
          return Long.parseLong(line.replaceAll("[^0-9]", ""));
        }
      }
      return 0;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + status, e);
    }
  }
}
