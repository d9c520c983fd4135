package hermes.collector.server;

import java.io.IOException;
import java.util.Arrays;
import java.util.zip.CRC32;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * Inflates a gzip body (RFC 1952) without ever holding more than the request limit: a gzip bomb
 * stops at {@code maxBytes}. The body must be gzip from its first to its last byte: one member or
 * several in a row, each with a valid header, deflate stream, CRC-32 and length. Anything else
 * (truncated data, trailing bytes after the last member) is malformed; {@code GZIPInputStream}
 * would silently ignore trailing garbage. The JDK's {@link Inflater} does the work; this only
 * frames and bounds it.
 *
 * <p>Threading: stateless; each call uses its own inflater.
 */
final class BoundedGunzip {
  /** The inflated body would exceed the limit. */
  static final class TooLargeException extends Exception {
    private static final long serialVersionUID = 1L;

    TooLargeException(String message) {
      super(message, null, false, false);
    }
  }

  private static final int FHCRC = 2;
  private static final int FEXTRA = 4;
  private static final int FNAME = 8;
  private static final int FCOMMENT = 16;
  private static final int FRESERVED = 0xe0;

  private BoundedGunzip() {}

  static byte[] gunzip(byte[] gzipped, int maxBytes) throws IOException, TooLargeException {
    byte[] out = new byte[Math.min(maxBytes, Math.max(1024, gzipped.length * 4))];
    int n = 0;
    int pos = 0;
    Inflater inflater = new Inflater(true);
    CRC32 crc = new CRC32();
    byte[] probe = new byte[1];
    try {
      do {
        pos = header(gzipped, pos);
        inflater.reset();
        inflater.setInput(gzipped, pos, gzipped.length - pos);
        crc.reset();
        int memberStart = n;
        while (!inflater.finished()) {
          if (n == out.length) {
            if (n >= maxBytes) {
              if (inflater.inflate(probe) > 0) {
                throw new TooLargeException(
                    "request body exceeds " + maxBytes + " bytes after decompression");
              }
              if (inflater.finished()) {
                break;
              }
              if (inflater.needsInput() || inflater.needsDictionary()) {
                throw new IOException("truncated gzip data");
              }
              continue;
            }
            out = Arrays.copyOf(out, (int) Math.min(maxBytes, 2L * n));
          }
          int r = inflater.inflate(out, n, out.length - n);
          if (r == 0 && !inflater.finished()) {
            if (inflater.needsInput()) {
              throw new IOException("truncated gzip data");
            }
            if (inflater.needsDictionary()) {
              throw new IOException("gzip data needs a preset dictionary");
            }
          }
          n += r;
        }
        crc.update(out, memberStart, n - memberStart);
        pos = gzipped.length - inflater.getRemaining();
        if (gzipped.length - pos < 8) {
          throw new IOException("truncated gzip trailer at byte " + pos);
        }
        if (int32(gzipped, pos) != (int) crc.getValue()) {
          throw new IOException("gzip CRC-32 mismatch at byte " + pos);
        }
        if (int32(gzipped, pos + 4) != n - memberStart) {
          throw new IOException("gzip length mismatch at byte " + (pos + 4));
        }
        pos += 8;
      } while (pos < gzipped.length);
    } catch (DataFormatException e) {
      throw new IOException("invalid deflate data: " + e.getMessage(), e);
    } finally {
      inflater.end();
    }
    return n == out.length ? out : Arrays.copyOf(out, n);
  }

  /** Checks the member header at {@code pos}; returns where its deflate data starts. */
  private static int header(byte[] b, int pos) throws IOException {
    int start = pos;
    if (b.length - pos < 10) {
      throw new IOException(
          pos == 0 ? "not in gzip format (too short)" : "trailing bytes after gzip data at " + pos);
    }
    if ((b[pos] & 0xff) != 0x1f || (b[pos + 1] & 0xff) != 0x8b) {
      throw new IOException(
          pos == 0 ? "not in gzip format" : "trailing bytes after gzip data at byte " + pos);
    }
    if (b[pos + 2] != 8) {
      throw new IOException("unsupported gzip compression method " + b[pos + 2]);
    }
    int flags = b[pos + 3] & 0xff;
    if ((flags & FRESERVED) != 0) {
      throw new IOException("reserved gzip header flags set at byte " + (pos + 3));
    }
    pos += 10;
    if ((flags & FEXTRA) != 0) {
      need(b, pos, 2);
      int xlen = (b[pos] & 0xff) | (b[pos + 1] & 0xff) << 8;
      pos += 2;
      need(b, pos, xlen);
      pos += xlen;
    }
    if ((flags & FNAME) != 0) {
      pos = skipZeroTerminated(b, pos);
    }
    if ((flags & FCOMMENT) != 0) {
      pos = skipZeroTerminated(b, pos);
    }
    if ((flags & FHCRC) != 0) {
      need(b, pos, 2);
      CRC32 c = new CRC32();
      c.update(b, start, pos - start);
      int expected = (b[pos] & 0xff) | (b[pos + 1] & 0xff) << 8;
      if (((int) c.getValue() & 0xffff) != expected) {
        throw new IOException("gzip header CRC mismatch at byte " + pos);
      }
      pos += 2;
    }
    return pos;
  }

  private static void need(byte[] b, int pos, int n) throws IOException {
    if (b.length - pos < n) {
      throw new IOException("truncated gzip header");
    }
  }

  private static int skipZeroTerminated(byte[] b, int pos) throws IOException {
    while (pos < b.length) {
      if (b[pos++] == 0) {
        return pos;
      }
    }
    throw new IOException("truncated gzip header");
  }

  private static int int32(byte[] b, int pos) {
    return (b[pos] & 0xff)
        | (b[pos + 1] & 0xff) << 8
        | (b[pos + 2] & 0xff) << 16
        | (b[pos + 3] & 0xff) << 24;
  }
}
