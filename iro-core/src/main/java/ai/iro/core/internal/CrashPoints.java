package ai.iro.core.internal;

import java.io.PrintStream;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Test hook for crash-safety tests: names the steps of every checkpoint write, and, when the system
 * property {@value #PROPERTY} names one of them, stops the JVM there so that a test can kill it with
 * SIGKILL at exactly that point. Without the property (always, outside such tests) {@link #reached}
 * only compares a string with null.
 *
 * <p>The property's value is {@code STEP} or {@code STEP#N} (the N-th time the step is reached,
 * default 1). Steps:
 * <ul>
 *   <li>{@code written:FILE}: {@code AtomicFiles.writeString} wrote the temporary copy of FILE
 *       (for example {@code manifest.json} or {@code cli.json}) and has not renamed it yet;
 *   <li>{@code renamed:FILE}: FILE was renamed into place;
 *   <li>{@code value-written:value-T}: the value function of iteration T was saved into its
 *       temporary directory, not yet renamed;
 *   <li>{@code value-renamed:value-T}: that directory was renamed into place and the manifest that
 *       names it is not yet written.
 * </ul>
 * At the step, the hook prints {@code iro.testing: paused at STEP} on standard error and blocks
 * forever: the test that waits for the line kills the process, so the files are exactly as a crash at
 * that point leaves them. Not an API.
 */
public final class CrashPoints {
  /** The system property that names the step to stop at. */
  public static final String PROPERTY = "iro.testing.pauseAt";
  /** The line printed on standard error before blocking, followed by the step. */
  public static final String PAUSED = "iro.testing: paused at ";

  private static final ConcurrentHashMap<String, AtomicInteger> COUNTS = new ConcurrentHashMap<>();

  private CrashPoints() {}

  /** Marks that {@code step} was reached; blocks forever if the property names this occurrence. */
  public static void reached(String step) {
    String target = System.getProperty(PROPERTY);
    if (target == null) {
      return;
    }
    int hash = target.lastIndexOf('#');
    String name = hash < 0 ? target : target.substring(0, hash);
    int occurrence = hash < 0 ? 1 : Integer.parseInt(target.substring(hash + 1));
    if (!name.equals(step) || COUNTS.computeIfAbsent(step, s -> new AtomicInteger()).incrementAndGet() != occurrence) {
      return;
    }
    PrintStream err = System.err;
    err.println(PAUSED + target);
    err.flush();
    while (true) {
      try {
        Thread.sleep(60_000);
      } catch (InterruptedException e) {
        // Keep blocking: only the test's kill may end this process here.
      }
    }
  }
}
