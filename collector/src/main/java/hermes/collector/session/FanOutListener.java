package hermes.collector.session;

import hermes.collector.semconv.AgentSpan;
import java.util.List;
import java.util.Objects;

/**
 * Several {@link AssemblyListener}s as one: the assembler takes one listener at construction and
 * this passes each event to every listener in order (metrics, guards, the event stream).
 *
 * <p>Threading: as {@link AssemblyListener}; the list is fixed at construction.
 *
 * <pre>{@code
 * new SessionAssembler(config, pricing, normalizers, FanOutListener.of(agentMetrics, stream));
 * }</pre>
 */
public final class FanOutListener implements AssemblyListener {
  private final AssemblyListener[] listeners;

  private FanOutListener(AssemblyListener[] listeners) {
    this.listeners = listeners;
  }

  /** One listener passing every event to {@code listeners}, in order. */
  public static AssemblyListener of(AssemblyListener... listeners) {
    for (AssemblyListener l : listeners) {
      Objects.requireNonNull(l, "listener");
    }
    return listeners.length == 1 ? listeners[0] : new FanOutListener(listeners.clone());
  }

  /** As {@link #of(AssemblyListener...)}. */
  public static AssemblyListener of(List<AssemblyListener> listeners) {
    return of(listeners.toArray(AssemblyListener[]::new));
  }

  @Override
  public void callFinished(AgentSpan call, long costPico) {
    for (AssemblyListener l : listeners) {
      l.callFinished(call, costPico);
    }
  }

  @Override
  public void turnFinished(TurnRecord turn) {
    for (AssemblyListener l : listeners) {
      l.turnFinished(turn);
    }
  }

  @Override
  public void sessionOpened(SessionRecord session) {
    for (AssemblyListener l : listeners) {
      l.sessionOpened(session);
    }
  }

  @Override
  public boolean wantsUpdates() {
    for (AssemblyListener l : listeners) {
      if (l.wantsUpdates()) {
        return true;
      }
    }
    return false;
  }

  @Override
  public void sessionUpdated(SessionRecord session) {
    for (AssemblyListener l : listeners) {
      l.sessionUpdated(session);
    }
  }

  @Override
  public void sessionFinished(SessionRecord session) {
    for (AssemblyListener l : listeners) {
      l.sessionFinished(session);
    }
  }

  @Override
  public void guardTripped(GuardTrip trip) {
    for (AssemblyListener l : listeners) {
      l.guardTripped(trip);
    }
  }
}
