package ai.iro.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class CopyBandwidthTest {
  @Test
  void bytesPerSecondCountsOneReadAndOneWritePerCopiedByte() {
    // STREAM's copy: 1 GB copied in one second moved 2 GB.
    assertThat(CopyBandwidth.bytesPerSecond(1_000_000_000L, 1_000_000_000L)).isCloseTo(2e9, within(1e-3));
    assertThat(CopyBandwidth.bytesPerSecond(268_435_456L, 20_000_000L)).isCloseTo(26.8435456e9, within(1e-3));
  }

  @Test
  void measuresAPositiveFiniteRateWithSlicesThatDoNotDivideTheArrayEvenly() {
    // 3 threads over 1,000,003 doubles: the slices must cover every element, or the check inside throws.
    double rate = CopyBandwidth.measure(3, 8L * 1_000_003, 2);

    assertThat(rate).isPositive().isFinite();
  }

  @Test
  void rejectsArgumentsOutOfRange() {
    assertThatThrownBy(() -> CopyBandwidth.measure(0, 1 << 20, 1))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("threads must be positive, found 0");
    assertThatThrownBy(() -> CopyBandwidth.measure(4, 16, 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("arrayBytes must be between 8 per thread and 16 GiB, found 16");
    assertThatThrownBy(() -> CopyBandwidth.measure(1, 1 << 20, 0))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("repetitions must be positive, found 0");
    assertThatThrownBy(() -> CopyBandwidth.bytesPerSecond(1, 0))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("nanos must be positive, found 0");
  }
}
