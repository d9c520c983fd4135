package hermes.collector.cost;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import hermes.collector.semconv.AgentSpan;
import hermes.collector.semconv.Convention;
import hermes.collector.semconv.Role;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PricingTest {
  @TempDir Path dir;

  static AgentSpan call(
      String model,
      String provider,
      long in,
      long out,
      long cacheRead,
      long cacheWrite,
      long reasoning,
      double reported) {
    return new AgentSpan(
        Role.LLM,
        Convention.GENAI,
        1,
        2,
        3,
        0,
        null,
        0,
        1,
        false,
        null,
        model,
        provider,
        in,
        out,
        cacheRead,
        cacheWrite,
        reasoning,
        reported,
        "stop",
        null,
        null,
        null,
        -1,
        null,
        null,
        false);
  }

  static AgentSpan call(String model, long in, long out, long cacheRead, long cacheWrite) {
    return call(model, null, in, out, cacheRead, cacheWrite, 0, Double.NaN);
  }

  private static PriceTable table(String yaml) throws PricingException {
    return PriceFile.parse(new StringReader(yaml), "test.yaml");
  }

  @Test
  void cacheAndOutputArithmeticIsExactToThePicoDollar() throws Exception {
    Pricing p = Pricing.load(null, Duration.ZERO);
    // claude-sonnet-4: 3,000 uncached x $3 + 6,000 read x $0.30 + 1,000 written x $3.75
    // + 2,000 out x $15, per million = $0.009 + $0.0018 + $0.00375 + $0.03 = $0.04455.
    assertThat(p.costPico(call("claude-sonnet-4-20250514", 10_000, 2_000, 6_000, 1_000)))
        .isEqualTo(44_550_000_000L);
    // deepseek-v3-0324 (the plugin manual's model): 800 miss x $0.27 + 200 hit x $0.07
    // + 500 out x $1.10 = $0.000216 + $0.000014 + $0.00055 = $0.00078.
    assertThat(p.costPico(call("deepseek-v3-0324", 1_000, 500, 200, 0))).isEqualTo(780_000_000L);
    assertThat(p.costPico(call("nousresearch/hermes-3-llama-3.1-70b", 1_000_000, 1_000_000, 0, 0)))
        .isEqualTo(600_000_000_000L);
  }

  @Test
  void tiersPriceTheWholeCallAboveTheirInputSize() throws Exception {
    Pricing p = Pricing.load(null, Duration.ZERO);
    // 250,000 input > 200,000: $6 in + $22.50 out per million: $1.50 + $0.0225.
    assertThat(p.costPico(call("claude-sonnet-4-5", 250_000, 1_000, 0, 0)))
        .isEqualTo(1_522_500_000_000L);
    // At exactly 200,000 the base price holds: $0.60 + $0.015.
    assertThat(p.costPico(call("claude-sonnet-4-5", 200_000, 1_000, 0, 0)))
        .isEqualTo(615_000_000_000L);
    // Gemini 2.5 Pro above 200k: cached input at the tier's cache price too.
    // 150,000 uncached x $2.50 + 100,000 read x $0.25 + 10,000 out x $15
    assertThat(p.costPico(call("gemini-2.5-pro", 250_000, 10_000, 100_000, 0)))
        .isEqualTo(375_000_000_000L + 25_000_000_000L + 150_000_000_000L);
  }

  @Test
  void reasoningIsPricedAsOutputUnlessTheModelHasItsOwnPrice() throws Exception {
    PriceTable t =
        table(
            """
            models:
              - match: "thinker"
                input: 1
                output: 4
                reasoning: 2
              - match: "plain"
                input: 1
                output: 4
            """);
    Pricing p = Pricing.of(t);
    // 1,000 out of which 600 reasoning: 400 x $4 + 600 x $2 = $0.0016 + $0.0012.
    assertThat(p.costPico(call("thinker", null, 0, 1_000, 0, 0, 600, Double.NaN)))
        .isEqualTo(2_800_000_000L);
    assertThat(p.costPico(call("plain", null, 0, 1_000, 0, 0, 600, Double.NaN)))
        .isEqualTo(4_000_000_000L);
  }

  @Test
  void theFirstMatchingEntryWinsAndMatchesAreAnchored() throws Exception {
    Pricing p = Pricing.load(null, Duration.ZERO);
    // gpt-4o-mini must not be priced as gpt-4o, nor gpt-4.1-mini as gpt-4.1.
    assertThat(p.costPico(call("gpt-4o-mini-2024-07-18", 1_000_000, 0, 0, 0)))
        .isEqualTo(150_000_000_000L);
    assertThat(p.costPico(call("gpt-4o-2024-08-06", 1_000_000, 0, 0, 0)))
        .isEqualTo(2_500_000_000_000L);
    assertThat(p.costPico(call("gpt-4.1-mini", 1_000_000, 0, 0, 0))).isEqualTo(400_000_000_000L);
    // Anchored: a name that merely contains a known one is not priced.
    assertThat(p.costPico(call("my-gpt-4o-finetune", 1_000, 0, 0, 0))).isEqualTo(Pricing.UNPRICED);
    assertThat(p.costPico(call("GPT-4o", 1_000_000, 0, 0, 0))).isEqualTo(2_500_000_000_000L);
  }

  @Test
  void theTableSaysWhoseModelItIs() throws Exception {
    Pricing p = Pricing.load(null, Duration.ZERO);
    assertThat(p.providerOf("gpt-4o")).isEqualTo("openai");
    assertThat(p.providerOf("openai/gpt-4o-mini")).isEqualTo("openai");
    assertThat(p.providerOf("claude-sonnet-4-5")).isEqualTo("anthropic");
    assertThat(p.providerOf("gemini-2.0-flash")).isEqualTo("gcp.gemini");
    assertThat(p.providerOf("deepseek-v3-0324")).isEqualTo("deepseek");
    assertThat(p.providerOf("hermes-3-llama-3.1-70b")).isNull(); // served by many hosts
    assertThat(p.providerOf("some-local-model")).isNull();
    PriceTable t =
        table(
            """
            models:
              - match: "llama-3.1-70b"
                provider: groq
                input: 0.59
                output: 0.79
              - match: "acme-1"
                owner: ACME
                input: 1
                output: 1
            """);
    assertThat(t.providerOf("llama-3.1-70b")).isEqualTo("groq");
    assertThat(t.providerOf("acme-1")).isEqualTo("acme");
  }

  @Test
  void cachedLookupsKeepModelAndProviderApart() throws Exception {
    String yaml =
        """
        models:
          - match: "m"
            provider: p
            input: 1
            output: 1
        """;
    // A model name holding the separator a joined cache key would use must not share its entry.
    PriceTable first = table(yaml);
    assertThat(first.lookup("m", "p")).isNotNull();
    assertThat(first.lookup("m\u0000p", null)).isNull();
    PriceTable second = table(yaml);
    assertThat(second.lookup("m\u0000p", null)).isNull();
    assertThat(second.lookup("m", "p")).isNotNull();
    assertThat(second.lookup("m", null)).isNull();
    assertThat(second.lookup("m", "q")).isNull();
  }

  @Test
  void providerRestrictedEntriesOnlyPriceThatProvider() throws Exception {
    PriceTable t =
        table(
            """
            models:
              - match: "llama-3.1-70b"
                provider: groq
                input: 0.59
                output: 0.79
              - match: "llama-3.1-70b"
                input: 0.88
                output: 0.88
            """);
    Pricing p = Pricing.of(t);
    assertThat(p.costPico(call("llama-3.1-70b", "groq", 1_000_000, 0, 0, 0, 0, Double.NaN)))
        .isEqualTo(590_000_000_000L);
    assertThat(p.costPico(call("llama-3.1-70b", "together", 1_000_000, 0, 0, 0, 0, Double.NaN)))
        .isEqualTo(880_000_000_000L);
  }

  @Test
  void aReportedCostWinsAndUnknownModelsAreUnpriced() throws Exception {
    Pricing p = Pricing.load(null, Duration.ZERO);
    assertThat(p.costPico(call("gpt-4o", null, 1_000_000, 0, 0, 0, 0, 0.0123)))
        .isEqualTo(12_300_000_000L);
    assertThat(p.costPico(call("some-local-model", 1_000, 10, 0, 0))).isEqualTo(Pricing.UNPRICED);
    assertThat(p.costPico(call(null, 1_000, 10, 0, 0))).isEqualTo(Pricing.UNPRICED);
  }

  @Test
  void badFilesAreRefusedWithEntryAndField() {
    assertThatThrownBy(() -> table("models:\n  - match: 'x'\n    output: 1\n"))
        .isInstanceOf(PricingException.class)
        .hasMessage("test.yaml: models[0] (x).input: required, USD per million tokens");
    assertThatThrownBy(() -> table("models:\n  - match: 'x'\n    input: 1\n    output: cheap\n"))
        .hasMessage("test.yaml: models[0] (x).output: 'cheap' is not a number");
    assertThatThrownBy(() -> table("models:\n  - match: '(x'\n    input: 1\n    output: 1\n"))
        .hasMessageStartingWith("test.yaml: models[0] ((x).match: invalid regex");
    assertThatThrownBy(
            () -> table("models:\n  - match: 'x'\n    input: 1\n    output: 1\n    inptu: 2\n"))
        .hasMessageStartingWith("test.yaml: models[0] (x): unknown key 'inptu'");
    assertThatThrownBy(
            () -> table("models:\n  - match: 'x'\n    input: 0.0000001\n    output: 1\n"))
        .hasMessageContaining("has more than 6 decimals");
    assertThatThrownBy(() -> table("prices: []\n"))
        .hasMessage("test.yaml: expected a top-level 'models:' list");
  }

  @Test
  void theFileIsReloadedWhenItChangesAndABadFileKeepsTheOldTable() throws Exception {
    Path f = dir.resolve("pricing.yaml");
    Files.writeString(f, "models:\n  - match: 'm'\n    input: 1\n    output: 1\n");
    try (Pricing p = Pricing.load(f, Duration.ofMillis(20))) {
      assertThat(p.costPico(call("m", 1_000_000, 0, 0, 0))).isEqualTo(1_000_000_000_000L);

      Files.writeString(f, "models:\n  - match: 'm'\n    input: 2\n    output: 1\n");
      Files.setLastModifiedTime(f, FileTime.from(Instant.now().plusSeconds(5)));
      waitFor(() -> p.reloadsOk() == 1);
      assertThat(p.costPico(call("m", 1_000_000, 0, 0, 0))).isEqualTo(2_000_000_000_000L);

      Files.writeString(f, "models:\n  - match: 'm'\n    input: oops\n    output: 1\n");
      Files.setLastModifiedTime(f, FileTime.from(Instant.now().plusSeconds(10)));
      waitFor(() -> p.reloadsFailed() == 1);
      assertThat(p.lastError()).contains("input: 'oops' is not a number");
      assertThat(p.costPico(call("m", 1_000_000, 0, 0, 0))).isEqualTo(2_000_000_000_000L);

      Files.writeString(f, "models:\n  - match: 'm'\n    input: 3\n    output: 1\n");
      assertThat(p.reload()).isNull(); // POST /-/reload
      assertThat(p.costPico(call("m", 1_000_000, 0, 0, 0))).isEqualTo(3_000_000_000_000L);
    }
  }

  private static void waitFor(java.util.function.BooleanSupplier c) throws InterruptedException {
    long deadline = System.nanoTime() + 30_000_000_000L;
    while (!c.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("condition not met within 30 s");
      }
      Thread.sleep(10);
    }
  }
}
