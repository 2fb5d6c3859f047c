/* When the live page's alert banner reads GET api/v1/alerts: monitorLive.alertSchedule.
 *
 * The samples say when the alerts changed: health.alerts_rev, the alerts' revision the sampling
 * process knows (docs/sample-format.md). So the banner reads the alerts at start, when the
 * socket opens or closes (`force`), when the followed host's newest whole sample carries a
 * revision other than the one the last read was made at, after a failed read (every `everyMs`),
 * and as a safety net every SAFETY_MS. While no sample with a revision came for STALE_POLLS
 * polls (the socket closed, a stale stream, a host sampled by an older version) it reads every
 * `everyMs`, as before revisions. Never twice within MIN_GAP_MS. `stale` says whether what is
 * shown is older than that schedule makes it: the last read failed, or none came in time. */
(function (root) {
  "use strict";

  const MIN_GAP_MS = 1000; // reads at most this often, whatever asks
  const SAFETY_MS = 60_000; // a read at least this often while revisions come
  const STALE_POLLS = 3; // no revision for this many polls: read every poll; stale after them
  const TICK = 0.8; // the banner's clock ticks are not exact

  class AlertSchedule {
    constructor(everyMs, safetyMs) {
      this.everyMs = everyMs;
      this.safetyMs = safetyMs || SAFETY_MS;
      this.lastAt = null; // when the last read started (ms, the caller's clock)
      this.okAt = null; // when the last good answer came
      this.failed = false; // the last read gave no answer
      this.inFlight = false;
      this.forced = true; // the first read is due at once
      this.rev = null; // the newest revision a sample carried
      this.revAt = null; // when it came
      this.readRev = null; // the revision the last good read was made at
      this.askedRev = null; // the revision when the read in flight started
    }

    /* A whole sample of the followed host carried `rev` at `t`. */
    sample(rev, t) {
      if (typeof rev !== "number") { return; }
      this.rev = rev;
      this.revAt = t;
    }

    /* Asks for a read now (start, the socket opened or closed, an acknowledgement). */
    force() { this.forced = true; }

    /* Whether revisions come (one within STALE_POLLS polls). */
    following(t) {
      return this.revAt !== null && t - this.revAt <= STALE_POLLS * this.everyMs;
    }

    /* Whether a read is due at `t`; `busy`: one is in flight (it is never due then). */
    due(t, busy) {
      if (busy) { return false; }
      if (this.inFlight) { this.inFlight = false; this.failed = true; } // ended without answer
      if (this.lastAt === null) { return true; }
      const since = t - this.lastAt;
      if (since < MIN_GAP_MS) { return false; }
      if (this.forced) { return true; }
      if (this.failed || !this.following(t)) { return since >= this.everyMs * TICK; }
      return this.rev !== this.readRev || since >= this.safetyMs - this.everyMs * (1 - TICK);
    }

    /* A read starts at `t`. */
    started(t) {
      this.lastAt = t;
      this.forced = false;
      this.inFlight = true;
      this.askedRev = this.rev;
    }

    /* The read's answer came at `t`; `answerRev`: the revision the server said it read at. */
    answered(t, answerRev) {
      this.inFlight = false;
      this.failed = false;
      this.okAt = t;
      // before any sample said a revision, the answer's own is the one to compare with
      this.readRev = this.askedRev === null && typeof answerRev === "number"
        ? answerRev : this.askedRev;
    }

    /* Whether what was read at okAt is older than the schedule makes it at `t`. */
    stale(t) {
      if (this.okAt === null) { return false; }
      const late = STALE_POLLS * this.everyMs;
      const expected = this.following(t) && !this.failed ? this.safetyMs : 0;
      return t - this.okAt > expected + late;
    }
  }

  const schedule = { MIN_GAP_MS, SAFETY_MS, STALE_POLLS, AlertSchedule };
  (root.monitorLive = root.monitorLive || {}).alertSchedule = schedule;
  if (typeof module !== "undefined" && module.exports) { module.exports = schedule; }
})(typeof window !== "undefined" ? window : globalThis);
