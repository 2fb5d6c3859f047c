/* The samples of the followed host as they arrive: monitorLive.samples.
 *
 * Frames (socket or polled, oldest first) become samples; a sample is kept only when it is of
 * the followed host and after the newest kept: a greater ts, or, when the wall clock stepped
 * back (the sampler re-anchors its timestamps: docs/websocket.md), a greater seq of the same
 * run. So a retried connection, whose ?since= is that newest ts, can never draw a point twice,
 * and a clock step never silently stops the page. Where consecutive kept samples are more than
 * GAP_INTERVALS intervals apart (an outage, skipped ticks), or the clock stepped back, a gap
 * point (every value null) goes between them, so the graphs break the line there. The followed
 * host's interval is the one its samples say (health.interval_s); the server's until one does.
 * Points wait in `pending` until drawn, at most historyLimit of them. One SampleLog per
 * followed host. */
(function (root) {
  "use strict";

  /* The sample a frame carries, or null (not JSON, or no numeric ts). */
  function parse(frame) {
    let sample;
    try {
      sample = JSON.parse(frame);
    } catch (_e) {
      return null;
    }
    return sample && typeof sample.ts === "number" ? sample : null;
  }

  const GAP_INTERVALS = 1.5; // samples further apart than this many intervals: a break

  /* Whether `sample` is to be kept: not another host's (a sample without host counts as the
   * followed one's) and after the newest kept (`lastTs` null: none kept yet): a greater ts,
   * or a greater seq than `lastSeq` (the clock stepped back under the same sampler run). */
  function isNew(sample, host, lastTs, lastSeq) {
    if (host && sample.host && sample.host !== host) { return false; }
    if (lastTs === null || sample.ts > lastTs) { return true; }
    const seqs = typeof sample.seq === "number" && typeof lastSeq === "number";
    return seqs && sample.seq > lastSeq;
  }

  /* Whether a break belongs between samples at `before` and `after` (epoch seconds). */
  function isGap(before, after, interval) {
    return after < before || after - before > GAP_INTERVALS * interval;
  }

  /* The gap point between samples at `before` and `after`: where the next sample was due
   * (at `after` when the clock stepped back), every value null. */
  function gapPoint(toPoint, before, after, interval) {
    const ts = after < before ? after : Math.min(before + interval, after);
    const point = toPoint({ ts: ts });
    point.gap = true;
    point.span = after - before; // seconds without a sample (negative: a step back)
    return point;
  }

  /* Points kept: the widest window (minutes) at `interval` seconds. */
  function historyLimit(windows, interval) {
    return Math.ceil((Math.max.apply(null, windows) * 60) / interval);
  }

  /* Points in a window of `minutes` at `interval` seconds. */
  function windowPoints(minutes, interval) {
    return Math.ceil((minutes * 60) / interval);
  }

  class SampleLog {
    /* `toPoint(sample)`: what a graph point keeps of a sample (monitorLive.figures.toPoint);
     * `windows`: the minutes the in-memory history covers (its widest); `now`: a clock in ms
     * (performance.now by default), for receivedAt. */
    constructor(host, interval, windows, toPoint, now) {
      this.now = now || (() => performance.now());
      this.receivedAt = null; // when the newest sample kept came (this.now())
      this.host = host;
      this.interval = interval;
      this.windows = windows;
      this.toPoint = toPoint;
      this.lastTs = null; // newest ts kept: dedupe and ?since=
      this.lastSeq = null; // its seq
      this.pending = []; // points not drawn yet (paused, or between renders)
      this.received = null; // newest sample kept
      this.shown = null; // newest sample handed out by unseen()
      this.shownAt = null; // when it came
    }

    limit() {
      return historyLimit(this.windows, this.interval);
    }

    /* Keeps the new samples among `frames`; returns how many. */
    receive(frames) {
      let kept = 0;
      for (const frame of frames) {
        const sample = parse(frame);
        if (!sample || !isNew(sample, this.host, this.lastTs, this.lastSeq)) { continue; }
        const interval = sample.health && sample.health.interval_s;
        if (typeof interval === "number" && interval > 0) { this.interval = interval; }
        if (this.lastTs !== null && isGap(this.lastTs, sample.ts, this.interval)) {
          this.pending.push(gapPoint(this.toPoint, this.lastTs, sample.ts, this.interval));
        }
        this.lastTs = sample.ts;
        this.lastSeq = typeof sample.seq === "number" ? sample.seq : null;
        if (!sample.thin) { // a thin backlog sample has only what the graphs draw
          this.received = sample;
          this.receivedAt = this.now();
        }
        this.pending.push(this.toPoint(sample));
        kept += 1;
      }
      const limit = this.limit();
      if (this.pending.length > limit) { this.pending.splice(0, this.pending.length - limit); }
      return kept;
    }

    /* The points not drawn yet, oldest first; they are the caller's now. */
    take() {
      const points = this.pending;
      this.pending = [];
      return points;
    }

    /* The newest sample if it was not handed out yet, else null. */
    unseen() {
      if (!this.received || this.received === this.shown) { return null; }
      this.shown = this.received;
      this.shownAt = this.receivedAt;
      return this.shown;
    }
  }

  const samples = {
    GAP_INTERVALS, parse, isNew, isGap, gapPoint, historyLimit, windowPoints, SampleLog,
  };
  (root.monitorLive = root.monitorLive || {}).samples = samples;
  if (typeof module !== "undefined" && module.exports) { module.exports = samples; }
})(typeof window !== "undefined" ? window : globalThis);
