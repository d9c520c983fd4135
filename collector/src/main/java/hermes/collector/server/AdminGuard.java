package hermes.collector.server;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The admin API's access rules beyond "loopback or token":
 *
 * <ul>
 *   <li>{@link #hostAllowed}: the {@code Host} header must be an IP address, a loopback name
 *       ({@code localhost}, {@code *.localhost}), the endpoint's host or one of {@code
 *       admin.allowed_hosts}. DNS rebinding needs a name the attacker controls pointing at this
 *       machine; the browser then sends that name as {@code Host}, which is refused (403). An IP
 *       address is never rebound, so it is always accepted.
 *   <li>{@link #reloadAllowed}: a state-changing request needs the token or something a cross-site
 *       HTML form cannot send: a JSON content type or an {@code X-Hermes-Reload} header (either
 *       makes the browser ask with a CORS preflight first, which this port never grants).
 * </ul>
 *
 * <p>Threading: immutable apart from the token file, which {@link BearerTokens} reloads safely.
 */
final class AdminGuard {
  /** The header that marks a reload as not coming from a form. */
  static final String RELOAD_HEADER = "X-Hermes-Reload";

  private final String bindHost;
  private final Set<String> allowedHosts;
  private final BearerTokens tokens; // null: no token configured

  /**
   * @param bindHost the admin endpoint's host as configured
   * @param tokens the API tokens (admin.api_token and admin.api_token_file), or null for none
   */
  AdminGuard(String bindHost, List<String> allowedHosts, BearerTokens tokens) {
    this.bindHost = bindHost.toLowerCase(Locale.ROOT);
    this.allowedHosts =
        allowedHosts.stream().map(h -> h.toLowerCase(Locale.ROOT)).collect(Collectors.toSet());
    this.tokens = tokens;
  }

  /** Whether the {@code Authorization} header carries a configured API token. */
  boolean tokenValid(String authorization) {
    return tokens != null && tokens.check(authorization) != null;
  }

  /** Whether a {@code Host} header value (null when absent) may reach the API. */
  boolean hostAllowed(String hostHeader) {
    if (hostHeader == null) {
      return true; // not a browser: browsers always send Host
    }
    String host = hostHeader.trim().toLowerCase(Locale.ROOT);
    if (host.startsWith("[")) {
      return host.indexOf(']') > 0; // an IPv6 literal
    }
    int colon = host.indexOf(':');
    if (colon >= 0) {
      host = host.substring(0, colon);
    }
    if (host.endsWith(".")) {
      host = host.substring(0, host.length() - 1);
    }
    return isIpv4(host)
        || host.equals("localhost")
        || host.endsWith(".localhost")
        || host.equals(bindHost)
        || allowedHosts.contains(host);
  }

  /** Whether a state-changing request may run: the token, or a request no form can make. */
  boolean reloadAllowed(HttpRequest req) {
    if (tokenValid(req.headers().get(HttpHeaderNames.AUTHORIZATION))) {
      return true;
    }
    if (req.headers().contains(RELOAD_HEADER)) {
      return true;
    }
    String type = req.headers().get(HttpHeaderNames.CONTENT_TYPE);
    return type != null && type.trim().toLowerCase(Locale.ROOT).startsWith("application/json");
  }

  private static boolean isIpv4(String host) {
    int dots = 0;
    for (int i = 0; i < host.length(); i++) {
      char c = host.charAt(i);
      if (c == '.') {
        dots++;
      } else if (c < '0' || c > '9') {
        return false;
      }
    }
    return dots == 3;
  }
}
