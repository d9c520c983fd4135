package hermes.collector.session;

/**
 * Which shard owns a session: the one way facts reach the shard of their session, whether an I/O
 * thread or another shard sends them. Shards are given the router, not their owner, so events flow
 * from the shards to each other and out to listeners, never back up into the assembler.
 *
 * <p>Threading: filled once, on the thread that builds the assembler, before any shard thread
 * starts (Thread.start publishes it); read-only and safe for any thread after that.
 */
final class ShardRouter {
  private final Shard[] shards;

  ShardRouter(int shards) {
    this.shards = new Shard[shards];
  }

  void set(int index, Shard shard) {
    shards[index] = shard;
  }

  /** The shard that owns the session {@code sessionKey}. */
  Shard forSession(String sessionKey) {
    int h = sessionKey.hashCode() * 0x9E3779B9;
    return shards[Math.floorMod(h ^ (h >>> 16), shards.length)];
  }
}
