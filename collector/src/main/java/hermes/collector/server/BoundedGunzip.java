package hermes.collector.server;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;

/**
 * Inflates a gzip body without ever holding more than the request limit: a gzip bomb stops at
 * {@code maxBytes}. The JDK's inflater does the work; this only bounds it.
 */
final class BoundedGunzip {
  /** The inflated body would exceed the limit. */
  static final class TooLargeException extends Exception {
    private static final long serialVersionUID = 1L;

    TooLargeException(String message) {
      super(message, null, false, false);
    }
  }

  private BoundedGunzip() {}

  static byte[] gunzip(byte[] gzipped, int maxBytes) throws IOException, TooLargeException {
    byte[] out = new byte[Math.min(maxBytes, Math.max(1024, gzipped.length * 4))];
    int n = 0;
    try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(gzipped), 8192)) {
      while (true) {
        if (n == out.length) {
          if (n >= maxBytes) {
            if (in.read() < 0) {
              break;
            }
            throw new TooLargeException(
                "request body exceeds " + maxBytes + " bytes after decompression");
          }
          out = Arrays.copyOf(out, (int) Math.min(maxBytes, 2L * n));
        }
        int r = in.read(out, n, out.length - n);
        if (r < 0) {
          break;
        }
        n += r;
      }
    }
    return n == out.length ? out : Arrays.copyOf(out, n);
  }
}
