/*
 * Replay page (/shared/{token}, /embedded/{token}, and the staff-only /watch/{env}/{session}):
 * the player and its states.
 *
 * Reads the page data the server embedded (#shared-replay-data: the sharing token, the recording
 * id, the snapshots URL; the page holds no recording data), loads the playable windows through
 * replay-data.js, and replays one window at a time with rrweb-player (global rrwebPlayer, a
 * namespace object: the class is rrwebPlayer.default); several windows get a switcher. The
 * player is sized to the recorded viewport's aspect ratio within the free space (no
 * letterboxing on phones) and its controls are named by replay-controls.js.
 * Scripts load in this order: rrweb-player, replay-controls.js, replay-data.js, replay.js.
 *
 * State for people and tests: #replay-player[data-status] is loading | ready | empty | error,
 * #replay-title and #replay-message say why, and window.sharedReplay exposes {status, windowIds,
 * windowId, player, currentTime, playerState, progress (the last replay times reported by the
 * player, in ms)}.
 */
(function () {
  "use strict";

  var data = window.sharedReplayData;
  var DEFAULT_VIEWPORT = data ? data.DEFAULT_VIEWPORT : { width: 1024, height: 768 };
  var CONTROLLER_HEIGHT = 96; // rrweb-player's control bar (80 px) and margins, below the replay frame
  var MIN_PLAYER_WIDTH = 360; // the control bar's buttons need this much
  var PROGRESS_SAMPLES = 200;

  var playerElement = document.getElementById("replay-player");
  var titleElement = document.getElementById("replay-title");
  var messageElement = document.getElementById("replay-message");
  var windowsElement = document.getElementById("replay-windows");
  var state = (window.sharedReplay = {
    status: "loading",
    windowIds: [],
    windowId: null,
    player: null,
    currentTime: 0,
    playerState: null,
    progress: [],
  });

  function setStatus(status, title, message) {
    state.status = status;
    playerElement.dataset.status = status;
    titleElement.textContent = title || "";
    messageElement.textContent = message || "";
  }

  // The header shows the start in UTC; show it in the viewer's own time zone and language.
  function localiseStartTime() {
    var element = document.getElementById("replay-started");
    var started = element ? new Date(element.getAttribute("datetime")) : null;
    if (!started || isNaN(started.getTime()) || !window.Intl) {
      return;
    }
    element.title = element.getAttribute("datetime");
    element.textContent = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" }).format(started);
  }

  // --- rendering ------------------------------------------------------------------------------

  // The largest box with the recorded viewport's aspect ratio that fits the free space (the
  // player scales the replay into it), never narrower than the control bar needs.
  function playerSize(viewport) {
    var boxWidth = Math.min(playerElement.clientWidth || window.innerWidth, 1600);
    var boxHeight = (playerElement.clientHeight || window.innerHeight - 120) - CONTROLLER_HEIGHT;
    var ratio = viewport.height / viewport.width;
    var width = Math.min(boxWidth, Math.max(boxHeight, 160) / ratio);
    width = Math.max(Math.min(MIN_PLAYER_WIDTH, boxWidth), width);
    return { width: Math.floor(width), height: Math.floor(width * ratio) };
  }

  function mountPlayer(windowId, events) {
    if (state.player) {
      state.player.$destroy();
      state.player = null;
    }
    playerElement.textContent = "";
    var viewport = data.lastViewport(events) || DEFAULT_VIEWPORT;
    var size = playerSize(viewport);
    state.player = new window.rrwebPlayer.default({
      target: playerElement,
      props: {
        events: events,
        width: size.width,
        height: size.height,
        autoPlay: true,
        skipInactive: true,
        showController: true,
        mouseTail: false,
      },
    });
    state.windowId = windowId;
    state.viewport = viewport;
    state.progress = [];
    var controls = window.sharedReplayControls.enhance(state.player, playerElement);
    state.player.addEventListener("ui-update-current-time", function (detail) {
      state.currentTime = detail.payload;
      controls.currentTime(detail.payload);
      state.progress.push(detail.payload);
      if (state.progress.length > PROGRESS_SAMPLES) {
        state.progress.shift();
      }
    });
    state.player.addEventListener("ui-update-player-state", function (detail) {
      state.playerState = detail.payload;
      controls.playerState(detail.payload);
    });
    // The first state was reported before these listeners existed.
    state.playerState = state.player.getReplayer().service.state.value;
    controls.playerState(state.playerState);
    renderWindowSwitcher();
  }

  function renderWindowSwitcher() {
    windowsElement.textContent = "";
    windowsElement.hidden = state.windowIds.length < 2;
    state.windowIds.forEach(function (windowId, index) {
      var button = document.createElement("button");
      button.type = "button";
      button.textContent = "Window " + (index + 1);
      button.setAttribute("aria-label", "Replay browser window " + (index + 1) + " of " + state.windowIds.length);
      button.setAttribute("aria-pressed", String(windowId === state.windowId));
      button.addEventListener("click", function () {
        mountPlayer(windowId, state.eventsByWindow.get(windowId));
      });
      windowsElement.appendChild(button);
    });
  }

  function watchResize() {
    var pending = null;
    window.addEventListener("resize", function () {
      clearTimeout(pending);
      pending = setTimeout(function () {
        if (state.player) {
          var size = playerSize(state.viewport);
          state.player.$set({ width: size.width, height: size.height });
          state.player.triggerResize();
        }
      }, 150);
    });
  }

  // The staff page (no token) fails for other reasons than a revoked link.
  var STAFF_FAILURES = {
    401: "Your admin session has ended. Log in to the admin again and reload.",
    403: "You are not a member of this recording's organization.",
    404: "This recording no longer exists.",
  };

  function describeFailure(error, config) {
    if (data && error instanceof data.ReplayHttpError) {
      if (config && !config.accessToken && STAFF_FAILURES[error.status]) {
        return STAFF_FAILURES[error.status];
      }
      if (error.status === 401 || error.status === 404) {
        return "This link no longer works: sharing was turned off or the link was replaced.";
      }
      if (error.status === 429) {
        return "Too many requests for this recording right now. Reload in a minute.";
      }
      if (error.status === 503) {
        return "The recording storage is temporarily unavailable. Reload in a moment.";
      }
      return "The recording could not be loaded (HTTP " + error.status + ").";
    }
    return "The recording could not be replayed: " + (error && error.message ? error.message : error);
  }

  var FAILURE_TITLE = "This recording cannot be played";

  // --- main -----------------------------------------------------------------------------------

  var pageConfig = null;

  async function main() {
    var config = (pageConfig = JSON.parse(document.getElementById("shared-replay-data").textContent));
    localiseStartTime();
    var playerLoaded = window.rrwebPlayer && typeof window.rrwebPlayer.default === "function";
    if (!playerLoaded || !window.sharedReplayControls || !data) {
      setStatus("error", FAILURE_TITLE, "The replay player could not be loaded.");
      return;
    }
    var playable = await data.loadPlayableWindows(config);
    if (playable.length === 0) {
      setStatus(
        "empty",
        "Nothing to replay yet",
        "This recording has no playable data yet. If the session is still going on, reload in a minute."
      );
      return;
    }
    state.eventsByWindow = new Map(playable.map(function (item) { return [item.windowId, item.events]; }));
    state.windowIds = playable.map(function (item) { return item.windowId; });
    setStatus("ready", "", "");
    mountPlayer(playable[0].windowId, playable[0].events);
    watchResize();
  }

  main().catch(function (error) {
    setStatus("error", FAILURE_TITLE, describeFailure(error, pageConfig));
    if (window.console) {
      console.error("shared replay failed", error);
    }
  });
})();
