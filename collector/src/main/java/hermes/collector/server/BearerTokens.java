package hermes.collector.server;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Bearer tokens from a file: one per line, optionally followed by a tenant name ({@code token
 * team-a}); blank lines and {@code #} comments are skipped. The file is re-read when it changes
 * (see {@link WatchedFiles}), so a token can be added or revoked without a restart.
 *
 * <p>Tokens are kept as SHA-256 digests and a presented token is hashed and compared with every one
 * of them by {@link MessageDigest#isEqual} without stopping at a match, so the time taken says
 * nothing about how much of a token was right, nor which one matched.
 *
 * <p>Threading: {@link #check} from any thread.
 */
final class BearerTokens {
  private static final Logger log = LoggerFactory.getLogger(BearerTokens.class);
  private static final ThreadLocal<MessageDigest> SHA256 =
      ThreadLocal.withInitial(BearerTokens::sha256);

  /** The tenant of a token without one. */
  static final String NO_TENANT = "";

  private final WatchedFiles<Table> table;

  /**
   * Reads {@code file} now.
   *
   * @param listener names the listener in logs and the reload metric
   * @param inline an extra token given inline (admin.api_token), or empty
   * @throws IOException naming the file when it cannot be read or holds no token
   */
  BearerTokens(String listener, Path file, String inline, SecurityInstrumentation metrics)
      throws IOException {
    try {
      this.table =
          new WatchedFiles<>(
              file == null ? List.of() : List.of(file),
              () -> Table.read(file, inline),
              (ok, e) -> {
                if (metrics != null) {
                  metrics.reloaded(listener, ok);
                }
                if (ok) {
                  log.info("{}: token file {} changed, reloaded", listener, file);
                } else {
                  log.warn(
                      "{}: token file {} changed but cannot be used, keeping the previous tokens:"
                          + " {}",
                      listener,
                      file,
                      e.getMessage());
                }
              });
    } catch (GeneralSecurityException e) {
      throw new IOException(e.getMessage(), e);
    }
    if (file != null && !any()) {
      // At start an empty file is a mistake; emptied later it means "nobody", and is obeyed.
      throw new IOException(file + ": no token in the file (one per line)");
    }
  }

  /** One token given inline, no file. */
  static BearerTokens inline(String token) {
    try {
      return new BearerTokens("admin", null, token, null);
    } catch (IOException e) {
      throw new IllegalStateException(e); // nothing is read
    }
  }

  /**
   * The tenant of the token in an {@code Authorization} header value ({@link #NO_TENANT} for a
   * token without one), or null when the header is absent, not {@code Bearer}, or the token is not
   * known.
   */
  String check(String authorization) {
    if (authorization == null
        || authorization.length() < 7
        || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return null;
    }
    String token = authorization.substring(7).trim();
    if (token.isEmpty()) {
      return null;
    }
    byte[] given = digest(token);
    Table t = table.get();
    String tenant = null;
    for (int i = 0; i < t.digests.length; i++) {
      if (MessageDigest.isEqual(given, t.digests[i]) & tenant == null) {
        tenant = t.tenants[i];
      }
    }
    return tenant;
  }

  /** Whether any token is configured. */
  boolean any() {
    return table.get().digests.length > 0;
  }

  private static byte[] digest(String token) {
    MessageDigest md = SHA256.get();
    md.reset();
    return md.digest(token.getBytes(StandardCharsets.UTF_8));
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK has no SHA-256", e);
    }
  }

  /** The digests and tenants of one read of the file. */
  private static final class Table {
    final byte[][] digests;
    final String[] tenants;

    private Table(List<byte[]> digests, List<String> tenants) {
      this.digests = digests.toArray(new byte[0][]);
      this.tenants = tenants.toArray(new String[0]);
    }

    static Table read(Path file, String inline) throws IOException {
      List<byte[]> digests = new ArrayList<>();
      List<String> tenants = new ArrayList<>();
      if (inline != null && !inline.isBlank()) {
        digests.add(digest(inline.trim()));
        tenants.add(NO_TENANT);
      }
      if (file != null) {
        int n = 0;
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
          n++;
          String l = line.strip();
          if (l.isEmpty() || l.startsWith("#")) {
            continue;
          }
          String[] parts = l.split("\\s+");
          if (parts.length > 2) {
            // The token itself is never printed, only where it is.
            throw new IOException(
                file + " line " + n + ": expected 'token' or 'token tenant', found more fields");
          }
          digests.add(digest(parts[0]));
          tenants.add(parts.length == 2 ? parts[1] : NO_TENANT);
        }
      }
      return new Table(digests, tenants);
    }
  }
}
