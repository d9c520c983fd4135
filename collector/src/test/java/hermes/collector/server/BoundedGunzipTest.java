package hermes.collector.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;

class BoundedGunzipTest {
  private static final byte[] TEXT =
      "the quick brown fox jumps over the lazy dog ".repeat(100).getBytes(StandardCharsets.UTF_8);

  @Test
  void inflatesOneMemberAndSeveralInARow() throws Exception {
    assertThat(BoundedGunzip.gunzip(jdkGzip(TEXT), 1 << 20)).isEqualTo(TEXT);
    ByteArrayOutputStream two = new ByteArrayOutputStream();
    two.write(jdkGzip(TEXT));
    two.write(jdkGzip(TEXT));
    byte[] both = Arrays.copyOf(TEXT, 2 * TEXT.length);
    System.arraycopy(TEXT, 0, both, TEXT.length, TEXT.length);
    assertThat(BoundedGunzip.gunzip(two.toByteArray(), 1 << 20)).isEqualTo(both);
  }

  @Test
  void readsTheOptionalHeaderFieldsAsTheGzipToolWritesThem() throws Exception {
    // FEXTRA, FNAME, FCOMMENT and FHCRC, as gzip(1) and other tools may write
    assertThat(BoundedGunzip.gunzip(gzipWithAllHeaderFields(TEXT, false), 1 << 20)).isEqualTo(TEXT);
    assertThatThrownBy(() -> BoundedGunzip.gunzip(gzipWithAllHeaderFields(TEXT, true), 1 << 20))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("header CRC");
  }

  @Test
  void refusesTrailingBytesTruncationAndBadChecksums() throws Exception {
    byte[] good = jdkGzip(TEXT);
    byte[] trailing = Arrays.copyOf(good, good.length + 7);
    assertThatThrownBy(() -> BoundedGunzip.gunzip(trailing, 1 << 20))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("trailing bytes after gzip data");
    for (int cut : new int[] {1, 5, 9, good.length / 2, good.length - 10}) {
      byte[] truncated = Arrays.copyOf(good, good.length - cut);
      assertThatThrownBy(() -> BoundedGunzip.gunzip(truncated, 1 << 20))
          .as("%d bytes cut", cut)
          .isInstanceOf(IOException.class);
    }
    byte[] badCrc = good.clone();
    badCrc[good.length - 8] ^= 1;
    assertThatThrownBy(() -> BoundedGunzip.gunzip(badCrc, 1 << 20))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("CRC-32");
    byte[] badLength = good.clone();
    badLength[good.length - 4] ^= 1;
    assertThatThrownBy(() -> BoundedGunzip.gunzip(badLength, 1 << 20))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("length");
    assertThatThrownBy(() -> BoundedGunzip.gunzip(new byte[0], 1 << 20))
        .isInstanceOf(IOException.class);
  }

  @Test
  void stopsAtTheLimitButAcceptsABodyOfExactlyTheLimit() throws Exception {
    assertThat(BoundedGunzip.gunzip(jdkGzip(TEXT), TEXT.length)).isEqualTo(TEXT);
    assertThatThrownBy(() -> BoundedGunzip.gunzip(jdkGzip(TEXT), TEXT.length - 1))
        .isInstanceOf(BoundedGunzip.TooLargeException.class);
    ByteArrayOutputStream two = new ByteArrayOutputStream();
    two.write(jdkGzip(TEXT));
    two.write(jdkGzip(new byte[] {1}));
    assertThatThrownBy(() -> BoundedGunzip.gunzip(two.toByteArray(), TEXT.length))
        .isInstanceOf(BoundedGunzip.TooLargeException.class);
  }

  private static byte[] jdkGzip(byte[] b) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
      gz.write(b);
    }
    return out.toByteArray();
  }

  private static byte[] gzipWithAllHeaderFields(byte[] b, boolean badHeaderCrc) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(new byte[] {0x1f, (byte) 0x8b, 8, 2 | 4 | 8 | 16, 0, 0, 0, 0, 0, 3});
    out.writeBytes(new byte[] {4, 0, 'a', 'b', 2, 0}); // FEXTRA, 4 bytes
    out.writeBytes("spans.pb\0".getBytes(StandardCharsets.US_ASCII)); // FNAME
    out.writeBytes("a comment\0".getBytes(StandardCharsets.US_ASCII)); // FCOMMENT
    CRC32 headerCrc = new CRC32();
    headerCrc.update(out.toByteArray());
    int hcrc = (int) headerCrc.getValue() ^ (badHeaderCrc ? 1 : 0);
    out.writeBytes(new byte[] {(byte) hcrc, (byte) (hcrc >> 8)}); // FHCRC
    Deflater d = new Deflater(Deflater.DEFAULT_COMPRESSION, true);
    d.setInput(b);
    d.finish();
    byte[] buf = new byte[b.length + 64];
    int n = d.deflate(buf);
    d.end();
    out.write(buf, 0, n);
    CRC32 crc = new CRC32();
    crc.update(b);
    int c = (int) crc.getValue();
    out.writeBytes(
        new byte[] {
          (byte) c,
          (byte) (c >> 8),
          (byte) (c >> 16),
          (byte) (c >> 24),
          (byte) b.length,
          (byte) (b.length >> 8),
          (byte) (b.length >> 16),
          (byte) (b.length >> 24)
        });
    return out.toByteArray();
  }
}
