package hermes.collector;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;

/** Raw-socket HTTP/1.1 for tests that play hostile or broken clients. */
final class RawHttp {
  private RawHttp() {}

  /** A connection to a loopback port; reads wait at most 10 s. */
  static Socket connect(int port) throws IOException {
    Socket s = new Socket("127.0.0.1", port);
    s.setSoTimeout(10_000);
    return s;
  }

  static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  /** A {@code POST /v1/traces} head with {@code Content-Length: length} (taken as written). */
  static byte[] postHead(String length) {
    return ascii(
        "POST /v1/traces HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-protobuf\r\n"
            + "Content-Length: "
            + length
            + "\r\n\r\n");
  }

  /**
   * Everything the server sends until it closes the connection; fails when the connection is reset
   * (the client would lose the response) or the server neither answers nor closes within 10 s.
   */
  static String readUntilClose(Socket s) throws IOException {
    InputStream in = s.getInputStream();
    ByteArrayOutputStream all = new ByteArrayOutputStream();
    byte[] buf = new byte[8192];
    try {
      for (int n; (n = in.read(buf)) >= 0; ) {
        all.write(buf, 0, n);
      }
    } catch (SocketTimeoutException e) {
      throw new AssertionError(
          "the server did not close the connection; got: "
              + all.toString(StandardCharsets.ISO_8859_1),
          e);
    } catch (SocketException e) {
      throw new AssertionError(
          "the connection was reset ("
              + e.getMessage()
              + "); got before: "
              + all.toString(StandardCharsets.ISO_8859_1),
          e);
    }
    return all.toString(StandardCharsets.ISO_8859_1);
  }

  /** Whether the server closed (or reset) the connection, reading and dropping what it sends. */
  static boolean closedByServer(Socket s) throws IOException {
    InputStream in = s.getInputStream();
    byte[] buf = new byte[8192];
    try {
      while (in.read(buf) >= 0) {
        // a response before the close is fine
      }
      return true;
    } catch (SocketTimeoutException e) {
      return false;
    } catch (SocketException e) {
      return true;
    }
  }
}
