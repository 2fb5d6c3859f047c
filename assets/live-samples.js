/* The samples of the followed host as they arrive: monitorLive.samples.
 *
 * Frames (socket or polled, oldest first) become samples; a sample is kept only when it is of
 * the followed host and newer than the newest kept (so a retried connection, whose ?since= is
 * that newest ts, can never draw a point twice). The followed host's interval is the one its
 * samples say (health.interval_s); the server's until one does. Points wait in `pending` until
 * drawn, at most historyLimit of them. One SampleLog per followed host. */
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

  /* Whether `sample` is to be kept: not another host's (a sample without host counts as the
   * followed one's) and newer than `lastTs` (null: none kept yet). */
  function isNew(sample, host, lastTs) {
    if (host && sample.host && sample.host !== host) { return false; }
    return lastTs === null || sample.ts > lastTs;
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
    /* `toPoint(sample)`: what a graph point keeps of a sample (monitorLive.figures.toPoint). */
    constructor(host, interval, windows, toPoint) {
      this.host = host;
      this.interval = interval;
      this.windows = windows;
      this.toPoint = toPoint;
      this.lastTs = null; // newest ts kept: dedupe and ?since=
      this.pending = []; // points not drawn yet (paused, or between renders)
      this.received = null; // newest sample kept
      this.shown = null; // newest sample handed out by unseen()
    }

    limit() {
      return historyLimit(this.windows, this.interval);
    }

    /* Keeps the new samples among `frames`; returns how many. */
    receive(frames) {
      let kept = 0;
      for (const frame of frames) {
        const sample = parse(frame);
        if (!sample || !isNew(sample, this.host, this.lastTs)) { continue; }
        this.lastTs = sample.ts;
        this.received = sample;
        const interval = sample.health && sample.health.interval_s;
        if (typeof interval === "number" && interval > 0) { this.interval = interval; }
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
      return this.shown;
    }
  }

  const samples = { parse, isNew, historyLimit, windowPoints, SampleLog };
  (root.monitorLive = root.monitorLive || {}).samples = samples;
  if (typeof module !== "undefined" && module.exports) { module.exports = samples; }
})(typeof window !== "undefined" ? window : globalThis);
