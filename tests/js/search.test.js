// Searching every process (assets/live-search.js) and what the table shows (live-table.js).
"use strict";
const test = require("node:test");
const assert = require("node:assert/strict");
const S = require("../../assets/live-search.js");
const T = require("../../assets/live-table.js");

const want = (q, extra) => Object.assign({ host: "box", q: q, sort: { key: "cpu", dir: -1 } },
  extra || {});
const answer = (matched, total, rows, unread) => ({
  state: "ok", body: { matched, total, unread: unread || 0, processes: rows || [] },
});

test("the url names host, text, sort and order under the path prefix", () => {
  assert.equal(S.searchUrl("/monitor/", want("kworker/0:1 &x")),
    "/monitor/api/v1/processes?host=box&q=kworker%2F0%3A1%20%26x&sort=cpu&order=desc&limit=200");
  assert.ok(S.searchUrl("/", want("a", { sort: { key: "name", dir: 1 } })).includes("order=asc"));
});

test("the line says how many of all processes match, or which rows are shown instead", () => {
  const rows = new Array(33).fill({});
  assert.equal(S.summary(answer(33, 412, rows), "kworker", "box", 0, 0),
    "33 of 412 processes match “kworker”");
  assert.equal(S.summary(answer(1, 1, [{}]), "x", "box", 0, 0), "1 of 1 process matches “x”");
  assert.equal(S.summary(answer(500, 900, rows, 12), "s", "box", 0, 0),
    "500 of 900 processes match “s” · showing the first 33 · 12 still being read");
  assert.equal(S.summary(null, "ng", "box", 1, 6),
    "Top processes only: 1 of 6 matches “ng” · searching all processes…");
  assert.equal(S.summary({ state: "elsewhere" }, "ng", "web-2", 0, 6),
    "Top processes only: 0 of 6 match “ng” · the full process list of web-2 is only on its own server");
  assert.equal(S.summary({ state: "failed", error: "HTTP 503" }, "ng", "box", 2, 6),
    "Top processes only: 2 of 6 match “ng” · searching all processes failed (HTTP 503)");
});

function harness(status, body) {
  const h = { t: 0, asked: [], timers: [], answers: 0 };
  h.search = new S.ProcessSearch({
    prefix: "/",
    now: () => h.t,
    setTimeout: (fn, ms) => h.timers.push({ at: h.t + ms, fn }),
    onAnswer: () => { h.answers += 1; },
    fetch: (url) => {
      h.asked.push(url);
      return Promise.resolve({ ok: status === 200, status, json: () => Promise.resolve(body) });
    },
  });
  h.advance = async (ms) => {
    h.t += ms;
    for (const timer of h.timers.splice(0)) {
      if (timer.at <= h.t) { timer.fn(); } else { h.timers.push(timer); }
    }
    await new Promise((resolve) => setImmediate(resolve));
  };
  return h;
}

test("a new text is asked once typing pauses, then again every REFRESH_MS while it stays", async () => {
  const h = harness(200, { matched: 1, total: 9, unread: 0, processes: [{ pid: 4 }] });
  assert.equal(h.search.want(want("k")), null);
  await h.advance(50);
  assert.equal(h.search.want(want("kw")), null); // typing on: the pause starts again
  await h.advance(S.DEBOUNCE_MS - 1);
  assert.equal(h.asked.length, 0);
  await h.advance(1);
  assert.equal(h.asked.length, 1);
  assert.ok(h.asked[0].includes("q=kw&"));
  assert.equal(h.answers, 1);
  assert.equal(h.search.want(want("kw")).body.matched, 1);
  await h.advance(S.REFRESH_MS - 10);
  h.search.want(want("kw"));
  assert.equal(h.asked.length, 1);
  await h.advance(10);
  assert.equal(h.asked.length, 2);
  // another sort keeps showing the answer for this text until its own comes
  assert.equal(h.search.want(want("kw", { sort: { key: "pid", dir: 1 } })).state, "ok");
  assert.equal(h.search.want(want("other")), null); // another text: nothing to show yet
  h.search.stop();
  await h.advance(10 * S.REFRESH_MS);
  assert.equal(h.asked.length, 2); // stopped: nothing asked
});

test("409 is another host's answer, other statuses and network errors a failure", async () => {
  const h = harness(409, { error: "only on the server that samples it" });
  h.search.want(want("x"));
  await h.advance(S.DEBOUNCE_MS);
  assert.equal(h.search.want(want("x")).state, "elsewhere");
  const f = harness(503, { error: "no process scan yet" });
  f.search.want(want("x"));
  await f.advance(S.DEBOUNCE_MS);
  assert.deepEqual([f.search.latest.state, f.search.latest.error], ["failed", "no process scan yet"]);
});

test("the table shows a search's rows sorted its way, else the top rows filtered", () => {
  const sample = { host: "box", processes: { top_cpu: [{ pid: 1, name: "a", cpu: 1 }],
    top_mem: [{ pid: 2, name: "kworker/0", cpu: 0 }] } };
  const sort = { key: "pid", dir: -1 };
  assert.deepEqual(T.shownRows(sample, "", sort, null), {
    rows: [{ pid: 2, name: "kworker/0", cpu: 0 }, { pid: 1, name: "a", cpu: 1 }], line: "",
  });
  const local = T.shownRows(sample, "kworker", sort, null);
  assert.deepEqual(local.rows.map((r) => r.pid), [2]);
  assert.match(local.line, /^Top processes only: 1 of 2 matches/);
  const found = T.shownRows(sample, " kworker ", sort,
    answer(3, 40, [{ pid: 7 }, { pid: 30 }, { pid: 12 }]));
  assert.deepEqual(found.rows.map((r) => r.pid), [30, 12, 7]);
  assert.equal(found.line, "3 of 40 processes match “kworker”");
});

test("the whole command line of a cut row is the one of the process with that pid", async () => {
  const asked = [];
  const reply = (status, body) => async (url) => {
    asked.push(url);
    return { ok: status === 200, status, json: async () => body };
  };
  const whole = "java -Xmx8g " + "-Dx=1 ".repeat(100);
  const rows = [{ pid: 4242, cmdline: "other 12 4242" }, { pid: 12, cmdline: "x" },
    { pid: 42, cmdline: whole }];
  assert.equal(await S.wholeCommand("/m/", "box", 42, reply(200, { processes: rows })), whole);
  assert.match(asked[0], /^\/m\/api\/v1\/processes\?host=box&q=42&sort=pid&order=asc&limit=500$/);
  assert.equal(await S.wholeCommand("/", "box", 7, reply(200, { processes: rows })), null);
  assert.equal(await S.wholeCommand("/", "web-2", 42, reply(409, { error: "elsewhere" })), null);
  const failing = async () => { throw new Error("offline"); };
  assert.equal(await S.wholeCommand("/", "box", 42, failing), null);
});
