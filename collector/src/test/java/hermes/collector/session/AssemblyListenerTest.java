package hermes.collector.session;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * Issue 16: session updates are built only for listeners that ask for them; one that does not say
 * so (the guard webhook, any new listener) must not make every changed session build a snapshot a
 * few times a second.
 */
class AssemblyListenerTest {
  @Test
  void aListenerThatDoesNotAskForUpdatesMakesNoneBuilt() {
    AssemblyListener quiet =
        new AssemblyListener() {
          @Override
          public void sessionFinished(SessionRecord s) {}
        };
    AssemblyListener reader =
        new AssemblyListener() {
          @Override
          public boolean wantsUpdates() {
            return true;
          }
        };
    assertThat(quiet.wantsUpdates()).isFalse();
    assertThat(FanOutListener.of(quiet, new AssemblyListener() {}).wantsUpdates()).isFalse();
    assertThat(FanOutListener.of(quiet, reader).wantsUpdates()).isTrue();
  }
}
