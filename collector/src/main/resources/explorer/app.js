// Hermes session explorer. Plain JavaScript, no dependencies. Every string that came from an agent
// (keys, services, models, tool names, messages) is inserted with textContent/createTextNode only:
// this file never assigns innerHTML/outerHTML or builds markup from data.
'use strict';

(function () {
  const $ = (id) => document.getElementById(id);

  /** An element with attributes/properties and children (strings become text nodes). */
  function el(tag, props, ...children) {
    const e = document.createElement(tag);
    if (props) {
      for (const [k, v] of Object.entries(props)) {
        if (v == null) continue;
        if (k === 'class') e.className = v;
        else if (k === 'text') e.textContent = v;
        else if (k === 'style') Object.assign(e.style, v);
        else if (k === 'data') Object.assign(e.dataset, v);
        else e.setAttribute(k, v);
      }
    }
    for (const c of children) {
      if (c == null || c === false) continue;
      e.appendChild(typeof c === 'string' || typeof c === 'number' ? document.createTextNode(String(c)) : c);
    }
    return e;
  }

  /**
   * Makes {@code parent}'s children look like {@code next} while keeping every node that did not
   * change (and, for changed elements, the element itself): live updates re-render often, and a
   * rebuilt row under the pointer or holding focus would lose the click, the focus or the scroll
   * position. Children with a data-key are matched by key, the others by position and tag.
   */
  function patch(parent, next) {
    const byKey = new Map();
    for (const c of parent.children) if (c.dataset && c.dataset.key != null) byKey.set(c.dataset.key, c);
    const unkeyed = [...parent.childNodes].filter((c) => !(c.dataset && c.dataset.key != null));
    let u = 0;
    const out = next.map((n) => {
      const k = n.dataset ? n.dataset.key : undefined;
      let o;
      if (k != null) { o = byKey.get(k); byKey.delete(k); }
      else {
        o = unkeyed[u];
        if (o && o.nodeType === n.nodeType && o.nodeName === n.nodeName) u++; else o = undefined;
      }
      if (!o || o.nodeName !== n.nodeName) return n;
      if (o.isEqualNode(n)) return o;
      if (o.nodeType === Node.TEXT_NODE) { o.nodeValue = n.nodeValue; return o; }
      if (o.nodeType !== Node.ELEMENT_NODE) return n;
      for (const a of [...o.attributes]) if (!n.hasAttribute(a.name)) o.removeAttribute(a.name);
      for (const a of n.attributes) if (o.getAttribute(a.name) !== a.value) o.setAttribute(a.name, a.value);
      patch(o, [...n.childNodes]);
      return o;
    });
    for (let i = 0; i < out.length; i++) {
      if (parent.childNodes[i] !== out[i]) parent.insertBefore(out[i], parent.childNodes[i] || null);
    }
    while (parent.childNodes.length > out.length) parent.removeChild(parent.lastChild);
  }

  const nf = new Intl.NumberFormat();
  function num(n) { return n == null ? '—' : nf.format(n); }
  function usd(v) {
    if (v == null) return null;
    if (v === 0) return '$0';
    if (v < 0.01) return '$' + v.toPrecision(2);
    return '$' + v.toFixed(v < 10 ? 4 : 2);
  }
  function dur(s) {
    if (s == null) return '—';
    if (s < 1) return Math.round(s * 1000) + ' ms';
    if (s < 60) return s.toFixed(s < 10 ? 2 : 1) + ' s';
    const m = Math.floor(s / 60);
    if (m < 60) return m + 'm ' + Math.round(s % 60) + 's';
    return Math.floor(m / 60) + 'h ' + (m % 60) + 'm';
  }
  function when(iso) {
    const d = new Date(iso);
    const today = new Date().toDateString() === d.toDateString();
    return today ? d.toLocaleTimeString() : d.toLocaleString();
  }
  function ms(iso) { return Date.parse(iso); }
  function tokens(t) { return t ? t.input + t.output : 0; }
  function errors(s) { return (s.llm_errors || 0) + (s.tool_errors || 0); }

  let jaegerUrl = '';

  // ---- Now: cumulative counters from /api/overview, rates over a sliding minute. ----
  const samples = [];
  async function overview() {
    try {
      const r = await fetch('/api/overview', { cache: 'no-store' });
      if (!r.ok) return;
      const o = await r.json();
      jaegerUrl = o.jaeger_url || '';
      samples.push(o);
      while (samples.length > 2 && o.time_ms - samples[0].time_ms > 60000) samples.shift();
      $('now-active').textContent = num(o.active_sessions);
      const a = samples[0];
      const dt = (o.time_ms - a.time_ms) / 1000;
      if (samples.length < 2 || dt <= 0) return;
      $('now-spans').textContent = ((o.spans_received - a.spans_received) / dt).toFixed(1);
      $('now-tokens').textContent = num(Math.round((o.tokens - a.tokens) / dt * 60));
      $('now-cost').textContent = usd((o.cost_usd - a.cost_usd) / dt * 3600);
      const rate = (e, c) => (c > 0 ? (100 * e / c).toFixed(1) + '%' : '—');
      $('now-llm-errors').textContent = rate(o.llm_errors - a.llm_errors, o.llm_calls - a.llm_calls);
      $('now-tool-errors').textContent = rate(o.tool_errors - a.tool_errors, o.tool_calls - a.tool_calls);
    } catch (e) { /* the next tick tries again */ }
  }

  // ---- Sessions table ----
  const rows = new Map(); // key -> summary
  let next = null;
  let total = 0;
  let loading = 0;

  function params() {
    const f = new FormData($('filters'));
    const p = new URLSearchParams();
    for (const [k, v] of f.entries()) {
      if (v === '' || (k === 'status' && v === 'all')) continue;
      if (k === 'since') { p.set('since', String(new Date(v).getTime())); continue; }
      p.set(k, v);
    }
    return p;
  }

  /** The filters the page can check itself on a streamed event (model and since: the server's). */
  function passes(s) {
    const f = new FormData($('filters'));
    const status = f.get('status');
    if (status === 'live' && s.status !== 'live') return false;
    if (status === 'finished' && s.status !== 'finished') return false;
    const q = f.get('q'); if (q && !s.key.startsWith(q)) return false;
    const svc = f.get('service'); if (svc && s.service !== svc) return false;
    const out = f.get('outcome'); if (out && s.outcome !== out) return false;
    const min = f.get('min_cost_usd'); if (min !== '' && min != null && s.cost_usd < Number(min)) return false;
    const guard = f.get('guard');
    if (guard && !(s.guards || []).some((g) => guard === 'tripped' || g.guard === guard)) return false;
    const since = f.get('since'); if (since && ms(s.start) < new Date(since).getTime()) return false;
    return !f.get('model'); // a model filter needs the session's calls: the server decides
  }

  function sortValue(s, key) {
    switch (key) {
      case 'cost': return s.cost_usd;
      case 'duration': return s.duration_seconds;
      case 'errors': return errors(s);
      case 'tokens': return tokens(s.tokens);
      default: return ms(s.start);
    }
  }

  async function load(append) {
    const p = params();
    if (append && next) p.set('cursor', next);
    const mine = ++loading;
    const r = await fetch('/api/sessions?' + p.toString(), { cache: 'no-store' });
    const body = await r.json();
    if (mine !== loading) return; // a newer query won
    if (!r.ok) { $('list-summary').textContent = body.error || ('HTTP ' + r.status); return; }
    if (!append) rows.clear();
    for (const s of body.sessions) rows.set(s.key, s);
    next = body.next; total = body.total;
    render();
  }

  function render() {
    const sort = new FormData($('filters')).get('sort') || '-start';
    const desc = sort.startsWith('-');
    const key = desc ? sort.slice(1) : sort;
    const list = [...rows.values()].sort((a, b) => {
      const d = sortValue(a, key) - sortValue(b, key);
      return (desc ? -d : d) || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
    });
    const trs = list.map(row);
    if (!list.length) {
      trs.push(el('tr', { class: 'empty' }, el('td', { colspan: '11', class: 'muted',
        text: 'No sessions match yet. Point an OpenTelemetry SDK at this collector (OTLP on ports 4318/4317); sessions appear here as their spans arrive.' })));
    }
    patch($('sessions').tBodies[0], trs); // rows patched by key: focus and pointer stay put
    $('list-summary').textContent = list.length + ' shown of ' + Math.max(total, list.length) + ' matching';
    $('more').hidden = !next;
  }

  function costCell(v, unpricedTokens) {
    const c = el('td', { class: 'num' });
    if (v == null) c.appendChild(el('span', { class: 'unpriced', text: 'unpriced' }));
    else c.appendChild(document.createTextNode(usd(v)));
    if (unpricedTokens > 0) c.appendChild(el('span', { class: 'unpriced', title: num(unpricedTokens) + ' tokens unpriced', text: ' +unpriced' }));
    return c;
  }

  function statusBadge(s) {
    return s.status === 'live' ? el('span', { class: 'badge live', text: 'live' })
      : el('span', { class: 'badge ' + (s.outcome || ''), text: s.outcome || 'finished' });
  }

  /** A runaway session's badge (guards.*): what it tripped, and when, in its title. */
  function guardBadge(s) {
    const trips = s.guards || [];
    if (!trips.length) return null;
    const title = trips.map((g) => g.guard + ': ' + num(g.value) + ' (limit ' + num(g.limit) + ') at ' + when(g.at)).join('\n');
    return el('span', { class: 'badge tripped', title: title, text: 'tripped' });
  }

  function row(s) {
    const href = '#/session/' + encodeURIComponent(s.key);
    const tr = el('tr', { class: 'session-row', data: { key: s.key, status: s.status } },
      el('td', { class: 'key', title: s.key }, el('a', { href: href, text: s.key })),
      el('td', { class: 'opt', text: s.service || '' }),
      el('td', null, statusBadge(s), guardBadge(s) ? ' ' : null, guardBadge(s)),
      el('td', { class: 'opt', text: when(s.start) }),
      el('td', { class: 'num', text: dur(s.duration_seconds) }),
      el('td', { class: 'num opt turns', text: num(s.turns) }),
      el('td', { class: 'num llm', text: num(s.llm_calls) }),
      el('td', { class: 'num tools', text: num(s.tool_calls) }),
      el('td', { class: 'num opt', text: num(tokens(s.tokens)) }),
      costCell(s.cost_usd, s.unpriced_tokens),
      el('td', { class: 'num' + (errors(s) ? ' err' : ''), text: num(errors(s)) }));
    return tr;
  }

  // ---- The event stream ----
  let current = null; // the key of the open session page
  let refetch = null;
  let nowSoon = null; // a session changed: refresh "Now" soon (active sessions) as well
  function stream() {
    const es = new EventSource('/api/sessions/stream');
    es.onopen = () => { $('stream-state').textContent = 'live'; $('stream-state').className = 'stream-state on'; };
    es.onerror = () => { $('stream-state').textContent = 'reconnecting…'; $('stream-state').className = 'stream-state'; };
    const on = (type) => (ev) => {
      let s;
      try { s = JSON.parse(ev.data); } catch (e) { return; }
      if (type === 'withdrawn') {
        // Shown under its trace id until a span named its real session: it is no session at all.
        if (rows.delete(s.key)) { total = Math.max(0, total - 1); if (!$('list-view').hidden) render(); }
        return;
      }
      if (rows.has(s.key) || passes(s)) {
        if (!rows.has(s.key)) total++;
        if (passes(s)) rows.set(s.key, s); else { rows.delete(s.key); total = Math.max(0, total - 1); }
        if (!$('list-view').hidden) render();
      }
      if (!nowSoon) nowSoon = setTimeout(() => { nowSoon = null; overview(); }, 300);
      if (current === s.key && !refetch) {
        refetch = setTimeout(() => { refetch = null; if (current === s.key) showSession(s.key); }, 300);
      }
    };
    for (const t of ['opened', 'updated', 'finished', 'withdrawn']) es.addEventListener(t, on(t));
  }

  // ---- A session ----
  function stat(label, value, cls) {
    const v = el('span', { class: 'value' + (cls ? ' ' + cls : '') });
    if (value instanceof Node) v.appendChild(value); else v.textContent = value;
    return el('div', { class: 'stat' }, el('span', { class: 'label', text: label }), v);
  }

  function allCalls(group) {
    const out = [];
    for (const c of group.llm_calls || []) out.push(Object.assign({ isTool: false }, c));
    for (const c of group.tool_calls || []) out.push(Object.assign({ isTool: true }, c));
    out.sort((a, b) => ms(a.start) - ms(b.start));
    return out;
  }

  function callRow(c, t0, span) {
    const start = ms(c.start) - t0;
    const len = c.duration_seconds * 1000;
    const failed = !!c.error_type || (c.isTool && c.status && c.status !== 'success');
    const name = c.isTool ? (c.name || 'tool') : (c.model || 'unknown model');
    const details = el('div', { class: 'call-detail' });
    const add = (label, value, cls) => {
      if (details.childNodes.length) details.appendChild(document.createTextNode(' · '));
      details.appendChild(document.createTextNode(label ? label + ' ' : ''));
      details.appendChild(el('b', { class: cls, text: value }));
    };
    if (!c.isTool) {
      add('', c.provider || 'unknown provider');
      const t = c.tokens || {};
      add('in', num(t.input), 'tok-in');
      add('cached', num(t.cache_read));
      add('cache write', num(t.cache_write));
      add('out', num(t.output), 'tok-out');
      add('reasoning', num(t.reasoning));
      if (c.cost_usd == null) add('', 'unpriced', 'unpriced call-cost');
      else add('', usd(c.cost_usd), 'call-cost');
      if (c.finish_reason) add('finish', c.finish_reason);
    } else if (c.status) {
      add('status', c.status, c.status === 'success' ? '' : 'error-tag');
    }
    if (c.error_type) add('error', c.error_type, 'error-tag');
    add('', dur(c.duration_seconds));
    const label = el('div', { class: 'call-label' },
      el('div', null, el('span', { class: 'kind' + (c.isTool ? ' tool' : ''), text: c.isTool ? 'TOOL' : (c.kind === 'embedding' ? 'EMB' : 'LLM') }),
        el('span', { class: 'call-name', text: name }),
        failed ? el('span', { class: 'error-tag', text: ' ✕ failed' }) : null),
      details);
    if (c.args != null) label.appendChild(el('div', { class: 'call-detail' }, 'args: ', el('code', { text: String(c.args) })));
    if (c.result != null) label.appendChild(el('div', { class: 'call-detail' }, 'result: ', el('code', { text: String(c.result) })));
    const bar = el('div', {
      class: 'bar' + (c.isTool ? ' tool' : '') + (failed ? ' error' : ''),
      title: name + ' · ' + dur(c.duration_seconds),
      style: { left: (100 * start / span) + '%', width: Math.max(0.4, 100 * len / span) + '%' },
    });
    return el('div', { class: 'call' + (failed ? ' failed' : ''), data: { kind: c.isTool ? 'tool' : 'llm', key: c.span_id } },
      label, el('div', { class: 'track' }, bar));
  }

  function axis(span) {
    const a = el('div', { class: 'axis', 'aria-hidden': 'true' });
    for (let i = 0; i <= 4; i++) {
      a.appendChild(el('span', { style: { left: (i * 25) + '%' }, text: dur(span * i / 4000) }));
    }
    return a;
  }

  function traceLink(traceId) {
    if (!jaegerUrl || !traceId) return null;
    return el('a', { class: 'jaeger', href: jaegerUrl + '/trace/' + traceId, target: '_blank', rel: 'noopener noreferrer', text: 'trace in Jaeger ↗' });
  }

  async function showSession(key) {
    const r = await fetch('/api/sessions/' + encodeURIComponent(key), { cache: 'no-store' });
    if (current !== key) return;
    const s = await r.json();
    if (current !== key) return;
    if ($('session-key').textContent !== key) $('session-key').textContent = key;
    if (!r.ok) {
      $('session-meta').textContent = s.error || ('HTTP ' + r.status);
      $('session-totals').replaceChildren();
      $('waterfall').replaceChildren();
      return;
    }
    const meta = [s.service, s.platform, 'started ' + when(s.start)].filter(Boolean).join(' · ');
    patch($('session-meta'), [statusBadge(s), document.createTextNode(' ' + meta + ' '), traceLink(s.trace_id) || document.createTextNode('')]);
    // The runaway guards it tripped: one badge each, naming the guard, its value and the limit.
    patch($('session-guards'), (s.guards || []).map((g) => el('span', {
      class: 'badge tripped', title: 'tripped at ' + when(g.at) + (g.trace_id ? ' · trace ' + g.trace_id : ''),
      text: g.guard + ' ' + num(g.value) + ' ≥ ' + num(g.limit) })));
    const cost = s.cost_usd === 0 && s.unpriced_tokens > 0 ? el('span', { class: 'unpriced', text: 'unpriced' })
      : el('span', null, usd(s.cost_usd), s.unpriced_tokens > 0
        ? el('span', { class: 'unpriced', title: num(s.unpriced_tokens) + ' tokens unpriced', text: ' + unpriced' }) : null);
    patch($('session-totals'), [
      stat('Duration', dur(s.duration_seconds)), stat('Turns', num(s.turns)),
      stat('LLM calls', num(s.llm_calls)), stat('Tool calls', num(s.tool_calls)),
      stat('Input tokens', num(s.tokens.input)), stat('Output tokens', num(s.tokens.output)),
      stat('Cached', num(s.tokens.cache_read)), stat('Cost', cost),
      stat('Errors', num(errors(s)), errors(s) ? 'err' : '')]);
    let n = 0;
    const groups = (s.turn_list || []).map((t) => (t.open
      ? { title: 'Open turn', t, key: 'open:' + t.trace_id }
      : { title: 'Turn ' + (t.index != null ? t.index : n + 1), t, key: 'turn:' + t.trace_id + ':' + t.span_id, n: ++n }));
    if (s.calls_outside_turns) groups.push({ title: 'Calls outside turns', t: s.calls_outside_turns, loose: true, key: 'loose' });
    let t0 = ms(s.start), t1 = t0 + s.duration_seconds * 1000;
    for (const g of groups) for (const c of allCalls(g.t)) {
      t0 = Math.min(t0, ms(c.start)); t1 = Math.max(t1, ms(c.start) + c.duration_seconds * 1000);
    }
    const span = Math.max(1, t1 - t0);
    const w = $('waterfall');
    const parts = [axis(span)];
    for (const g of groups) {
      const t = g.t;
      const head = el('div', { class: 'turn-head' }, el('span', { text: g.title }));
      if (!g.loose) {
        head.appendChild(el('span', { class: 'muted', text: when(t.start) + ' · ' + dur(t.duration_seconds) + ' · ' + (usd(t.cost_usd) || '') }));
        if (t.open) head.appendChild(el('span', { class: 'badge live', title: 'calls whose turn has not arrived yet', text: 'in progress' }));
        if (t.error) head.appendChild(el('span', { class: 'error-tag', text: 'error' }));
        const link = traceLink(t.trace_id);
        if (link) head.appendChild(link);
      }
      const turn = el('div', { class: 'turn' + (t.open ? ' open' : ''), data: { key: g.key } }, head);
      if (t.user_message != null) turn.appendChild(el('div', { class: 'user-message', text: String(t.user_message) }));
      const calls = allCalls(t);
      if (!calls.length) turn.appendChild(el('p', { class: 'muted', text: 'no calls yet' }));
      for (const c of calls) turn.appendChild(callRow(c, t0, span));
      if (t.calls_not_kept) turn.appendChild(el('p', { class: 'muted', text: num(t.calls_not_kept) + ' more calls counted, not kept' }));
      parts.push(turn);
    }
    if (!groups.length) parts.push(el('p', { class: 'muted', text: 'No calls have arrived yet.' }));
    patch(w, parts); // unchanged turns and calls keep their nodes (focus, selection, scroll)
  }

  // ---- Routing ----
  function route() {
    const m = /^#\/session\/(.+)$/.exec(location.hash);
    if (m) {
      current = decodeURIComponent(m[1]);
      $('list-view').hidden = true; $('session-view').hidden = false;
      document.title = 'Session · Hermes';
      showSession(current);
      $('back').focus();
    } else {
      current = null;
      $('list-view').hidden = false; $('session-view').hidden = true;
      document.title = 'Hermes Collector · sessions';
      render();
    }
  }

  $('sessions').addEventListener('click', (e) => {
    const tr = e.target.closest('tr.session-row');
    if (tr && !e.target.closest('a')) location.hash = '#/session/' + encodeURIComponent(tr.dataset.key);
  });

  let debounce = null;
  $('filters').addEventListener('input', () => { clearTimeout(debounce); debounce = setTimeout(() => load(false), 250); });
  $('filters').addEventListener('submit', (e) => { e.preventDefault(); load(false); });
  $('more').addEventListener('click', () => load(true));
  window.addEventListener('hashchange', route);

  stream();
  overview().then(() => { route(); load(false); });
  setInterval(overview, 2000);
})();
