package ai.iro.onnx.lm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

class BufferPoolTest {
  @Test
  void reusesReleasedBuffersThatAreLargeEnough() {
    BufferPool pool = new BufferPool();
    ByteBuffer a = pool.acquire(10_000);
    assertThat(a.capacity()).isGreaterThanOrEqualTo(10_000);
    assertThat(a.isDirect()).isTrue();
    assertThat(a.order()).isEqualTo(ByteOrder.nativeOrder());
    a.position(7);
    pool.release(a);
    ByteBuffer b = pool.acquire(5_000);
    assertThat(b).isSameAs(a);
    assertThat(b.position()).isZero();
    assertThat(pool.acquire(a.capacity() + 1)).isNotSameAs(a);
  }

  @Test
  void keepsAtMostMaxPooledPreferringLargeBuffers() {
    BufferPool pool = new BufferPool();
    for (int i = 0; i < BufferPool.MAX_POOLED; i++) {
      pool.release(ByteBuffer.allocateDirect(16));
    }
    ByteBuffer big = ByteBuffer.allocateDirect(1 << 16);
    pool.release(big);
    assertThat(pool.acquire(1 << 15)).isSameAs(big);
    assertThatThrownBy(() -> pool.acquire(1L << 32)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("bytes");
  }
}
