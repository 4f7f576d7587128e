/*
 * Accessible names and keyboard support for rrweb-player's controller.
 *
 * rrweb-player 2.x renders icon-only buttons without names and a progress bar that only a mouse
 * can use. window.sharedReplayControls.enhance(player, root) fixes that on a mounted player:
 *   - names: "Play"/"Pause" (kept in sync with the player), "Play at 2x speed" (aria-pressed on
 *     the active speed), "Skip inactive periods", "Full screen";
 *   - the progress bar becomes a focusable slider: ←/→ seek 5 s, PageUp/PageDown 30 s, Home/End,
 *     with aria-valuenow (seconds) and a spoken "0:12 of 1:05".
 * It returns {playerState(state), currentTime(ms)} for the page to call from the player's events.
 * Selectors follow rrweb-player's DOM (.rr-controller__btns > button: toggle, speeds…, fullscreen;
 * .switch input; .rr-progress). If that DOM changes, enhance() labels what it finds and never throws.
 */
(function () {
  "use strict";

  var STEP_MS = 5000;
  var PAGE_MS = 30000;

  function clock(ms) {
    var total = Math.max(0, Math.floor(ms / 1000));
    var hours = Math.floor(total / 3600);
    var minutes = Math.floor((total % 3600) / 60);
    var seconds = String(total % 60).padStart(2, "0");
    return hours ? hours + ":" + String(minutes).padStart(2, "0") + ":" + seconds : minutes + ":" + seconds;
  }

  function label(element, text) {
    if (element) {
      element.setAttribute("aria-label", text);
      element.setAttribute("title", text);
    }
  }

  function seekKeys(totalMs) {
    return {
      ArrowLeft: function (now) { return now - STEP_MS; },
      ArrowDown: function (now) { return now - STEP_MS; },
      ArrowRight: function (now) { return now + STEP_MS; },
      ArrowUp: function (now) { return now + STEP_MS; },
      PageDown: function (now) { return now - PAGE_MS; },
      PageUp: function (now) { return now + PAGE_MS; },
      Home: function () { return 0; },
      End: function () { return totalMs; },
    };
  }

  function makeSlider(progress, player, totalMs, current) {
    progress.setAttribute("role", "slider");
    progress.setAttribute("tabindex", "0");
    progress.setAttribute("aria-label", "Playback position");
    progress.setAttribute("aria-valuemin", "0");
    progress.setAttribute("aria-valuemax", String(Math.floor(totalMs / 1000)));
    var keys = seekKeys(totalMs);
    progress.addEventListener("keydown", function (event) {
      var target = keys[event.key];
      if (!target) {
        return;
      }
      event.preventDefault();
      player.goto(Math.min(totalMs, Math.max(0, target(current()))));
    });
  }

  function enhance(player, root) {
    var controller = root.querySelector(".rr-controller");
    if (!controller) {
      return { playerState: function () {}, currentTime: function () {} };
    }
    var buttons = Array.prototype.slice.call(controller.querySelectorAll(".rr-controller__btns > button"));
    var toggle = buttons[0];
    var speeds = buttons.slice(1, -1);
    var progress = controller.querySelector(".rr-progress");
    var totalMs = player.getMetaData().totalTime;
    var nowMs = 0;
    var lastSecond = -1;

    label(buttons[buttons.length - 1], "Full screen");
    label(controller.querySelector(".switch input"), "Skip inactive periods");
    speeds.forEach(function (button) {
      label(button, "Play at " + button.textContent.trim() + " speed");
    });
    function syncPressed() {
      speeds.forEach(function (button) {
        button.setAttribute("aria-pressed", String(button.classList.contains("active")));
      });
    }
    // Speed buttons change their class after the click handler: read it once the update is done.
    controller.addEventListener("click", function () { setTimeout(syncPressed, 0); });
    syncPressed();

    function currentTime(ms) {
      nowMs = ms;
      var second = Math.floor(ms / 1000);
      if (progress && second !== lastSecond) {
        lastSecond = second;
        progress.setAttribute("aria-valuenow", String(second));
        progress.setAttribute("aria-valuetext", clock(ms) + " of " + clock(totalMs));
      }
    }
    function playerState(state) {
      label(toggle, state === "playing" ? "Pause" : "Play");
    }
    if (progress) {
      makeSlider(progress, player, totalMs, function () { return nowMs; });
    }
    currentTime(0);
    return { playerState: playerState, currentTime: currentTime };
  }

  window.sharedReplayControls = { enhance: enhance, clock: clock };
})();
