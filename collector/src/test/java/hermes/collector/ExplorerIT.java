package hermes.collector;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.fail;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.NoAlertPresentException;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.UnexpectedAlertBehaviour;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The session explorer in a real browser (Debian's chromium, headless, through chromium-driver),
 * fed by the OpenTelemetry Java SDK: what a person sees. A live session appears in the table and
 * its counts grow; its page shows the waterfall of exactly the calls sent, in order, with tokens
 * and cost (unpriced shown as unpriced); agent strings that look like markup stay text; the Jaeger
 * link carries the trace id. Writes {@code docs/explorer.png}, the README's screenshot.
 */
class ExplorerIT {
  /** A string an agent controls, that would run script if it ever became markup. */
  private static final String XSS = "<img src=x onerror=alert(1)>";

  /**
   * How soon a live session must be in the table after its first span: the 2 s. The
   * collector runs with its default settle delay (5 s), so liveness cannot come from settling.
   */
  private static final Duration LIVE_WITHIN = Duration.ofSeconds(2);

  /** For page loads, clicks and settling on a loaded machine: generous, never a liveness bound. */
  private static final Duration PAGE = Duration.ofSeconds(30);

  private static final String JAEGER = "http://localhost:16686";

  private Collector collector;
  private SdkTracerProvider provider;
  private ChromeDriver driver;

  @TempDir Path profile;

  @BeforeEach
  void start() {
    File chromium = firstExisting("/usr/lib/chromium/chromium", "/usr/bin/chromium");
    File chromedriver = firstExisting("/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver");
    if (chromium == null || chromedriver == null) {
      if ("true".equalsIgnoreCase(System.getenv("CI"))) {
        fail("chromium and chromium-driver must be installed in CI (.ci/run installs them)");
      }
      Assumptions.abort("chromium or chromedriver is not installed: skipping the browser test");
    }
    ChromeOptions o = new ChromeOptions();
    o.setBinary(chromium);
    o.addArguments(
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        "--lang=en-US",
        "--user-data-dir=" + profile.toAbsolutePath());
    // An alert must not be dismissed silently: the test looks for one.
    o.setUnhandledPromptBehaviour(UnexpectedAlertBehaviour.IGNORE);
    ChromeDriverService service =
        new ChromeDriverService.Builder()
            .usingDriverExecutable(chromedriver)
            .usingAnyFreePort()
            .build();
    driver = new ChromeDriver(service, o);
    driver.manage().window().setSize(new Dimension(1280, 1000));
  }

  private static File firstExisting(String... paths) {
    for (String p : paths) {
      File f = new File(p);
      if (f.canExecute()) {
        return f;
      }
    }
    return null;
  }

  @AfterEach
  void stop() {
    if (driver != null) {
      driver.quit();
    }
    if (provider != null) {
      provider.close();
    }
    if (collector != null) {
      collector.close();
    }
  }

  private void flush() {
    SdkExporters.flush(provider);
  }

  /** An LLM span of the hermes plugin under {@code turn}, at {@code at} ns for {@code ms} ms. */
  private void llm(
      Tracer tracer, Span turn, long at, long ms, String model, long in, long out, String finish) {
    tracer
        .spanBuilder("chat " + model)
        .setParent(Context.root().with(turn))
        .setSpanKind(SpanKind.CLIENT)
        .setStartTimestamp(at, TimeUnit.NANOSECONDS)
        .setAttribute("hermes.span.kind", "LLM")
        .setAttribute("hermes.session.id", XSS)
        .setAttribute("gen_ai.request.model", model)
        .setAttribute("hermes.provider", "deepseek")
        .setAttribute("gen_ai.usage.input_tokens", in)
        .setAttribute("gen_ai.usage.output_tokens", out)
        .setAttribute(
            AttributeKey.stringArrayKey("gen_ai.response.finish_reasons"), List.of(finish))
        .startSpan()
        .end(at + ms * 1_000_000, TimeUnit.NANOSECONDS);
    flush();
  }

  private Span turn(Tracer tracer, Span session, long at, int index) {
    return tracer
        .spanBuilder("hermes.turn")
        .setParent(Context.root().with(session))
        .setStartTimestamp(at, TimeUnit.NANOSECONDS)
        .setAttribute("hermes.span.kind", "CHAIN")
        .setAttribute("hermes.session.id", XSS)
        .setAttribute("hermes.turn.index", index)
        .startSpan();
  }

  private <T> T await(Duration within, String what, Supplier<T> probe) {
    return new WebDriverWait(driver, within, Duration.ofMillis(50))
        .withMessage(what)
        .ignoring(StaleElementReferenceException.class) // the page patches itself on every event
        .until(d -> probe.get());
  }

  /**
   * The session's table row as the page shows it now, read in one step (no element reference
   * outlives the read, so live re-renders cannot make it stale): status, LLM and tool counts; null
   * when the row is absent.
   */
  @SuppressWarnings("unchecked")
  private Map<String, String> row() {
    return (Map<String, String>)
        driver.executeScript(
            "for (const r of document.querySelectorAll('#sessions tbody tr.session-row')) {"
                + "  if (r.dataset.key === arguments[0]) return {status: r.dataset.status,"
                + "    llm: r.querySelector('td.llm').textContent,"
                + "    tools: r.querySelector('td.tools').textContent};"
                + "}"
                + "return null;",
            XSS);
  }

  /** One call of the waterfall as shown. */
  record Call(String kind, String name, String tokens, String cost, boolean failed, String text) {
    @Override
    public String toString() {
      return kind + " " + name;
    }
  }

  /** One turn of the waterfall as shown: open ("in progress") or decided, and its calls. */
  record Turn(boolean open, String head, List<Call> calls) {}

  /** The waterfall as the page shows it now, read in one step. */
  @SuppressWarnings("unchecked")
  private List<Turn> waterfall() {
    List<Map<String, Object>> turns =
        (List<Map<String, Object>>)
            driver.executeScript(
                "const t = (e, s) => { const x = e.querySelector(s); return x ? x.textContent : ''; };"
                    + "return [...document.querySelectorAll('#waterfall .turn')].map(turn => ({"
                    + "  open: turn.classList.contains('open'),"
                    + "  head: t(turn, '.turn-head'),"
                    + "  calls: [...turn.querySelectorAll('.call')].map(c => ({"
                    + "    kind: t(c, '.kind'), name: t(c, '.call-name'),"
                    + "    tokens: t(c, '.tok-in') + '/' + t(c, '.tok-out'),"
                    + "    cost: t(c, '.call-cost'), failed: c.classList.contains('failed'),"
                    + "    text: c.innerText}))}));");
    List<Turn> out = new ArrayList<>();
    for (Map<String, Object> t : turns) {
      List<Call> calls = new ArrayList<>();
      for (Map<String, Object> c : (List<Map<String, Object>>) t.get("calls")) {
        calls.add(
            new Call(
                (String) c.get("kind"),
                (String) c.get("name"),
                (String) c.get("tokens"),
                (String) c.get("cost"),
                (Boolean) c.get("failed"),
                (String) c.get("text")));
      }
      out.add(new Turn((Boolean) t.get("open"), (String) t.get("head"), calls));
    }
    return out;
  }

  /** The badges of the table's rows, by session key, as the page shows them now. */
  @SuppressWarnings("unchecked")
  private Map<String, String> badges() {
    return (Map<String, String>)
        driver.executeScript(
            "const out = {};"
                + "for (const r of document.querySelectorAll('#sessions tbody tr.session-row')) {"
                + "  out[r.dataset.key] = [...r.querySelectorAll('.badge')]"
                + "    .map(b => b.textContent).join(' ');"
                + "}"
                + "return out;");
  }

  @Test
  @SuppressWarnings("try")
  void aRunawaySessionShowsItsBadgeAndTheTrippedFilterFindsIt() throws Exception {
    collector = TestCollectors.startFull("guards.tool_repeat", "3");
    provider =
        SdkTracerProvider.builder()
            .setResource(
                Resource.getDefault().toBuilder().put("service.name", "explorer-agent").build())
            .addSpanProcessor(
                SimpleSpanProcessor.create(SdkExporters.http(collector.httpAddress().getPort())))
            .build();
    Tracer tracer = provider.get("explorer-it");
    driver.get("http://127.0.0.1:" + collector.adminAddress().getPort() + "/");
    await(
        PAGE,
        "the event stream connects",
        () -> driver.findElement(By.id("stream-state")).getText().equals("live") ? true : null);
    // Two running sessions: one calls the same tool with the same arguments three times, the
    // other calls it with different ones.
    for (String key : List.of("runaway", "steady")) {
      Span session =
          tracer
              .spanBuilder("hermes.session")
              .setAttribute("hermes.span.kind", "AGENT")
              .setAttribute("hermes.session.id", key)
              .startSpan();
      Span turn = turn(tracer, session, System.currentTimeMillis() * 1_000_000L, 1);
      for (int i = 0; i < 3; i++) {
        tracer
            .spanBuilder("hermes.tool.terminal")
            .setParent(Context.root().with(turn))
            .setAttribute("hermes.span.kind", "TOOL")
            .setAttribute("hermes.tool.name", "terminal")
            .setAttribute("hermes.session.id", key)
            .setAttribute("hermes.tool.args", key.equals("runaway") ? "ls" : "ls /" + i)
            .startSpan()
            .end();
        flush();
      }
    }
    Map<String, String> shown =
        await(
            PAGE,
            "the runaway session's row shows its badge",
            () -> {
              Map<String, String> b = badges();
              return b.containsKey("steady") && "live tripped".equals(b.get("runaway")) ? b : null;
            });
    assertThat(shown.get("steady")).isEqualTo("live");

    // The filter "tripped": only the runaway session is left.
    // Typed as a person picks from a focused select (its options start: any, tripped, ...).
    driver.findElement(By.cssSelector("#filters select[name=guard]")).sendKeys("tripped");
    try {
      await(
          PAGE,
          "the tripped filter leaves the runaway session only",
          () -> badges().keySet().equals(java.util.Set.of("runaway")) ? true : null);
    } catch (RuntimeException e) {
      throw new AssertionError(
          "shown: "
              + badges()
              + " summary: "
              + driver.findElement(By.id("list-summary")).getText()
              + " select: "
              + driver.executeScript(
                  "return new URLSearchParams(new FormData(document.getElementById('filters')))"
                      + ".toString();"),
          e);
    }

    // Its page names the guard, its value and the limit.
    driver.findElement(By.cssSelector("#sessions tbody tr.session-row a")).click();
    String guards =
        await(
            PAGE,
            "the session page shows the guard it tripped",
            () -> {
              String t = driver.findElement(By.id("session-guards")).getText();
              return t.isEmpty() ? null : t;
            });
    assertThat(guards).isEqualTo("tool_repeat 3 ≥ 3");
  }

  @Test
  void aPersonWatchesASessionLiveAndReadsItsWaterfall() throws Exception {
    collector =
        TestCollectors.startFull(
            "sessions.idle_timeout",
            "5m",
            "sessions.capture_content",
            "true",
            "ui.jaeger_url",
            JAEGER);
    provider =
        SdkTracerProvider.builder()
            .setResource(
                Resource.getDefault().toBuilder().put("service.name", "explorer-agent").build())
            .addSpanProcessor(
                SimpleSpanProcessor.create(SdkExporters.http(collector.httpAddress().getPort())))
            .build();
    Tracer tracer = provider.get("explorer-it");
    String base = "http://127.0.0.1:" + collector.adminAddress().getPort();

    driver.get(base + "/");
    await(
        PAGE,
        "the event stream connects",
        () -> driver.findElement(By.id("stream-state")).getText().equals("live") ? true : null);

    long t0 = System.currentTimeMillis() * 1_000_000L - 60_000_000_000L; // a minute ago
    Span session =
        tracer
            .spanBuilder("hermes.session")
            .setStartTimestamp(t0, TimeUnit.NANOSECONDS)
            .setAttribute("hermes.span.kind", "AGENT")
            .setAttribute("hermes.session.id", XSS)
            .setAttribute("gen_ai.system", "hermes-agent")
            .setAttribute("hermes.platform", "cli")
            .startSpan();
    String traceId = session.getSpanContext().getTraceId();

    // Turn 1: an LLM call (model unpriced, and markup), a failing tool (markup), an LLM call.
    long turn1At = t0 + 100_000_000L;
    Span turn1 = turn(tracer, session, turn1At, 1);
    long firstSpan = System.nanoTime();
    llm(tracer, turn1, turn1At + 50_000_000L, 1400, XSS, 1200, 80, "tool_calls");
    // Only the first span has arrived (no turn, no session span): the session is live already.
    String status =
        await(
            LIVE_WITHIN,
            "the live session is in the table within 2 s of its first span",
            () -> {
              Map<String, String> r = row();
              return r == null ? null : r.get("status");
            });
    assertThat(Duration.ofNanos(System.nanoTime() - firstSpan)).isLessThanOrEqualTo(LIVE_WITHIN);
    assertThat(status).isEqualTo("live");
    // A person puts the keyboard focus on the row's link; live updates must not rebuild it.
    WebElement link =
        await(
            PAGE,
            "the row's link",
            () -> {
              for (WebElement r :
                  driver.findElements(By.cssSelector("#sessions tbody tr.session-row"))) {
                if (XSS.equals(r.getDomAttribute("data-key"))) {
                  return r.findElement(By.tagName("a"));
                }
              }
              return null;
            });
    driver.executeScript("arguments[0].focus();", link);

    tracer
        .spanBuilder("hermes.tool." + XSS)
        .setParent(Context.root().with(turn1))
        .setStartTimestamp(turn1At + 1_500_000_000L, TimeUnit.NANOSECONDS)
        .setAttribute("hermes.span.kind", "TOOL")
        .setAttribute("hermes.tool.name", XSS)
        .setAttribute("hermes.session.id", XSS)
        .setAttribute("hermes.tool.outcome", "error")
        .setAttribute("hermes.tool.args", XSS)
        .setAttribute("error.type", "FileNotFoundError")
        .startSpan()
        .setStatus(StatusCode.ERROR)
        .end(turn1At + 1_900_000_000L, TimeUnit.NANOSECONDS);
    flush();
    llm(tracer, turn1, turn1At + 2_000_000_000L, 2300, "deepseek-v3-0324", 10_000, 1_000, "stop");
    turn1.end(turn1At + 4_400_000_000L, TimeUnit.NANOSECONDS);
    flush();
    await(
        PAGE,
        "turn 1's calls are counted",
        () -> {
          Map<String, String> r = row();
          return r != null && r.get("llm").equals("2") && r.get("tools").equals("1") ? true : null;
        });

    // The row was patched in place: the same element, still focused (StaleElementReference if
    // it had been rebuilt).
    assertThat(link.getText()).isEqualTo(XSS);
    assertThat(driver.switchTo().activeElement()).isEqualTo(link);

    // Turn 2 is running: its call has arrived, its turn span has not. The row's counts grow
    // without a reload, and the session page shows the call in an open turn.
    long turn2At = t0 + 20_000_000_000L;
    Span turn2 = turn(tracer, session, turn2At, 2);
    llm(tracer, turn2, turn2At + 100_000_000L, 3100, "deepseek-v3-0324", 20_000, 2_000, "stop");
    await(
        PAGE,
        "the new call is counted in the table",
        () -> {
          Map<String, String> r = row();
          return r != null && r.get("llm").equals("3") ? true : null;
        });

    // The session page: exactly the calls sent, in order, with tokens and cost.
    await(
        PAGE,
        "the session's link is clicked",
        () -> {
          for (WebElement r :
              driver.findElements(By.cssSelector("#sessions tbody tr.session-row"))) {
            if (XSS.equals(r.getDomAttribute("data-key"))) {
              r.findElement(By.tagName("a")).click();
              return true;
            }
          }
          return null;
        });
    List<Turn> turns =
        await(
            PAGE,
            "the waterfall shows turn 1 decided and turn 2's call in an open turn",
            () -> {
              List<Turn> w = waterfall();
              return w.size() == 2
                      && !w.get(0).open()
                      && w.get(0).calls().size() == 3
                      && w.get(1).open()
                      && w.get(1).calls().size() == 1
                  ? w
                  : null;
            });
    assertThat(turns.get(1).head()).contains("in progress");
    List<Call> calls = new ArrayList<>(turns.get(0).calls());
    calls.addAll(turns.get(1).calls());
    assertThat(calls)
        .extracting(Call::toString)
        .containsExactly(
            "LLM " + XSS, "TOOL " + XSS, "LLM deepseek-v3-0324", "LLM deepseek-v3-0324");
    assertThat(calls.get(0).tokens()).isEqualTo("1,200/80");
    assertThat(calls.get(0).cost()).isEqualTo("unpriced");
    assertThat(calls.get(1).failed()).isTrue();
    assertThat(calls.get(1).text()).contains("FileNotFoundError").contains("args: " + XSS);
    assertThat(calls.get(2).tokens()).isEqualTo("10,000/1,000");
    // deepseek-v3-0324: $0.27 in, $1.10 out per million tokens.
    assertThat(calls.get(2).cost()).isEqualTo("$0.0038");
    assertThat(calls.get(3).tokens()).isEqualTo("20,000/2,000");
    assertThat(calls.get(3).cost()).isEqualTo("$0.0076");

    // The README's screenshot: a running session, a finished turn and an open one.
    driver.findElement(By.id("back")).sendKeys(""); // focus stays inside the page
    Path png = Path.of("..", "docs", "explorer.png");
    Files.createDirectories(png.getParent());
    Files.write(png, ((TakesScreenshot) driver).getScreenshotAs(OutputType.BYTES));

    // Turn 2's span arrives: its call moves under it, counted once; the open page follows.
    WebElement firstCall = driver.findElement(By.cssSelector("#waterfall .turn .call"));
    turn2.end(turn2At + 3_400_000_000L, TimeUnit.NANOSECONDS);
    flush();
    turns =
        await(
            PAGE,
            "turn 2 is decided and holds its call",
            () -> {
              List<Turn> w = waterfall();
              return w.size() == 2
                      && !w.get(1).open()
                      && w.get(1).calls().size() == 1
                      && w.get(0).calls().size() == 3
                  ? w
                  : null;
            });
    assertThat(turns.get(1).calls().get(0).tokens()).isEqualTo("20,000/2,000");
    // Turn 1 did not change: its calls kept their nodes.
    assertThat(firstCall.getText()).contains("1,200");

    // The session ends while its page is open: the page follows.
    session.setAttribute("hermes.session.completed", true);
    session.end(turn2At + 4_000_000_000L, TimeUnit.NANOSECONDS);
    flush();
    await(
        PAGE,
        "the open page shows the session completed",
        () ->
            driver.findElement(By.cssSelector("#session-meta .badge")).getText().equals("completed")
                ? true
                : null);

    // Markup from the agent is text: shown literally, nothing ran, no element was made of it.
    assertThat(driver.findElement(By.id("session-key")).getText()).isEqualTo(XSS);
    assertThat(driver.findElements(By.tagName("img"))).isEmpty();
    assertThatThrownBy(() -> driver.switchTo().alert()).isInstanceOf(NoAlertPresentException.class);

    // A Jaeger link per trace (the session's and each turn's), carrying the trace id.
    List<String> links =
        await(
            PAGE,
            "the Jaeger links",
            () -> {
              List<String> l = new ArrayList<>();
              for (WebElement a : driver.findElements(By.cssSelector("a.jaeger"))) {
                l.add(a.getDomAttribute("href"));
              }
              return l.size() >= 2 ? l : null;
            });
    assertThat(links).allMatch(h -> h.equals(JAEGER + "/trace/" + traceId));

    // A phone's width: nothing runs off the side of the page (the table scrolls in its box).
    driver.manage().window().setSize(new Dimension(390, 844));
    for (String hash : List.of("", "#/")) {
      if (!hash.isEmpty()) {
        driver.findElement(By.id("back")).click();
      }
      Long overflow =
          (Long)
              driver.executeScript(
                  "return document.documentElement.scrollWidth - window.innerWidth;");
      assertThat(overflow).as("horizontal overflow at 390 px " + hash).isLessThanOrEqualTo(0L);
    }
    Files.write(
        Path.of("target", "explorer-phone.png"),
        ((TakesScreenshot) driver).getScreenshotAs(OutputType.BYTES));
  }
}
