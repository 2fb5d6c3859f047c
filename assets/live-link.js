/* The live page's connection state machine and its status badge (pure functions, no DOM):
 * monitorLive.link. live.js keeps one link per page mount and replaces it with what these
 * functions return; the socket itself is live-socket.js.
 *
 * Phases: idle (nothing tried yet) -> connecting -> open; a close while connecting or open, or
 * a connect that takes over CONNECT_TIMEOUT_MS, makes it waiting (attempt + 1, next try after
 * a backoff); tick() starts the next try once that time has come. From pollAfterFailures
 * consecutive failures on, the page also polls the REST API (`polling`) until a socket opens.
 * An open socket that stays silent for silenceLimitMs is reopened (a half-open connection
 * would look open for minutes).
 *
 * Times are performance.now() milliseconds; `random` (default Math.random) is injectable. */
(function (root) {
  "use strict";

  const CONNECT_TIMEOUT_MS = 10000;
  const SILENCE_MIN_MS = 20000; // an open socket silent this long (and 10 intervals) is reopened
  const JITTER = 0.2; // ± this fraction of the backoff
  const GOING_AWAY = 1001; // the close code of a server that shuts down or reloads
  const GONE_AWAY_MS = 250; // a socket closed with it is reopened within this
  const GONE_AWAY_GAP_MS = 5000; // ... unless the last one was this recent

  /* [lowest, highest] milliseconds before attempt `attempt` (1, 2, ...): doubling from
   * backoff[0] seconds, at most backoff[1], ±20 % jitter, never outside [low, high]. */
  function backoffRange(attempt, backoff) {
    const [low, high] = backoff;
    const base = Math.min(high, low * Math.pow(2, attempt - 1));
    const clamp = (s) => Math.min(high, Math.max(low, s)) * 1000;
    return [clamp(base * (1 - JITTER)), clamp(base * (1 + JITTER))];
  }

  /* Milliseconds before attempt `attempt`, jittered (browsers of one outage do not come back
   * in step) within backoffRange. */
  function backoffMs(attempt, backoff, random) {
    const [low, high] = backoff;
    const base = Math.min(high, low * Math.pow(2, attempt - 1));
    const jittered = base * (1 - JITTER + 2 * JITTER * (random || Math.random)());
    return Math.min(high, Math.max(low, jittered)) * 1000;
  }

  function silenceLimitMs(interval) {
    return Math.max(SILENCE_MIN_MS, 10 * interval * 1000);
  }

  function initial(t) {
    return {
      phase: "idle", // idle | connecting | open | waiting
      since: t, // when the phase began
      attempt: 0, // consecutive failures since a socket was last open
      nextTryAt: 0,
      connects: 0, // sockets asked for so far (the r= of their urls)
      polling: false,
    };
  }

  function change(link, fields) {
    return Object.assign({}, link, fields);
  }

  /* A new socket is being opened. */
  function connecting(link, t) {
    return change(link, { phase: "connecting", since: t, connects: link.connects + 1 });
  }

  /* The socket opened: failures are forgotten, polling stops. */
  function opened(link, t) {
    return change(link, { phase: "open", since: t, attempt: 0, polling: false });
  }

  /* One more failure: wait the backoff; poll from pollAfterFailures failures on. */
  function failed(link, t, cfg, random) {
    const attempt = link.attempt + 1;
    return change(link, {
      phase: "waiting",
      since: t,
      attempt: attempt,
      nextTryAt: t + backoffMs(attempt, cfg.backoff, random),
      polling: link.polling || attempt >= cfg.pollAfterFailures,
    });
  }

  /* The socket closed: a failure while connecting or open; nothing otherwise (waiting already).
   * An open socket the server closed with 1001 (it is going away: a reload, a restart) is no
   * failure: the next try comes within GONE_AWAY_MS (jittered, so tabs do not come back in
   * step), to the new worker; at most once every GONE_AWAY_GAP_MS, else the backoff. */
  function closed(link, t, cfg, random, code) {
    const quick = code === GOING_AWAY && link.phase === "open"
      && !(t - (link.goneAwayAt === undefined ? -Infinity : link.goneAwayAt) < GONE_AWAY_GAP_MS);
    if (quick) {
      const wait = GONE_AWAY_MS * (random || Math.random)();
      return change(link, { phase: "waiting", since: t, nextTryAt: t + wait, goneAwayAt: t });
    }
    const trying = link.phase === "connecting" || link.phase === "open";
    return trying ? failed(link, t, cfg, random) : link;
  }

  /* Another host is followed: a new socket at once, as if nothing had failed. */
  function restart(link, t) {
    return connecting(change(link, { attempt: 0, polling: false }), t);
  }

  /* When the socket last showed life: its newest frame, or its opening. */
  function heardAt(link, lastFrameAt) {
    return Math.max(lastFrameAt || 0, link.phase === "open" ? link.since : 0);
  }

  /* The clock ticked: {link, connect} where `connect` asks for a new socket now. `env`:
   * {cfg, interval (s), lastFrameAt, random}. */
  function tick(link, t, env) {
    if (link.phase === "idle" || (link.phase === "waiting" && t >= link.nextTryAt)) {
      return { link: connecting(link, t), connect: true };
    }
    if (link.phase === "connecting" && t - link.since > CONNECT_TIMEOUT_MS) {
      return { link: failed(link, t, env.cfg, env.random), connect: false };
    }
    const silent = t - heardAt(link, env.lastFrameAt);
    if (link.phase === "open" && silent > silenceLimitMs(env.interval)) {
      return { link: connecting(link, t), connect: true };
    }
    return { link: link, connect: false };
  }

  function seconds(ms) {
    return Math.max(0, Math.ceil(ms / 1000));
  }

  /* [text, kind] of the connection: live, stale, polling, reconnecting or connecting. `env`:
   * {cfg, interval, lastFrameAt, lastPollOkAt}. Polling shows while a poll succeeded within
   * staleIntervals + 1 intervals. */
  function status(link, t, env) {
    const intervalMs = env.interval * 1000;
    const stale = env.cfg.staleIntervals;
    if (link.phase === "open") {
      const silent = t - heardAt(link, env.lastFrameAt);
      if (silent > stale * intervalMs) {
        return ["Stale · no sample for " + seconds(silent) + " s", "stale"];
      }
      return ["Live", "live"];
    }
    const retry = link.phase === "waiting"
      ? "next try in " + seconds(link.nextTryAt - t) + " s"
      : "trying now";
    const lastPoll = env.lastPollOkAt === undefined ? -Infinity : env.lastPollOkAt;
    if (link.polling && t - lastPoll < (stale + 1) * intervalMs) {
      return ["Polling · WebSocket unavailable, " + retry, "polling"];
    }
    if (link.phase === "waiting" || link.attempt > 0) {
      // the reconnect tried (or waited for) now: the first after a failure is attempt 1
      return ["Reconnecting · attempt " + Math.max(1, link.attempt) + ", " + retry, "reconnecting"];
    }
    return ["Connecting…", "connecting"];
  }

  /* [text, class] of the status badge; while paused, the count of samples not drawn yet. */
  function badge(link, t, env, paused, waiting) {
    const [text, kind] = status(link, t, env);
    if (!paused) { return [text, "status status--" + kind]; }
    const extra = kind === "live" ? "" : " · " + text;
    return ["Paused · " + waiting + " new" + extra, "status status--paused"];
  }

  const link = {
    CONNECT_TIMEOUT_MS, SILENCE_MIN_MS, GOING_AWAY, GONE_AWAY_MS, backoffRange, backoffMs, silenceLimitMs, initial,
    connecting, opened, failed, closed, restart, tick, status, badge,
  };
  (root.monitorLive = root.monitorLive || {}).link = link;
  if (typeof module !== "undefined" && module.exports) { module.exports = link; }
})(typeof window !== "undefined" ? window : globalThis);
