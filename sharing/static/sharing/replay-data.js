/*
 * Snapshot data of the public replay page: fetch, parse, decompress, prepare per window.
 *
 * window.sharedReplayData.loadPlayableWindows(config) -> [{windowId, events}], oldest window first,
 * each a list rrweb-player can replay (sorted, de-duplicated, starting with Meta + FullSnapshot).
 * It rejects with a ReplayHttpError (.status) when the API refuses a request.
 *
 * 1. Fetches snapshots with the API's two-phase protocol, authenticated only by the page's token
 *    sent as "Authorization: Bearer" like PostHog's player (the sharing token, or the share
 *    session token of a password-protected share; credentials: "omit", so a logged-in viewer's
 *    cookies never apply, and the token stays out of URLs); without an accessToken (the staff
 *    page) by the viewer's own admin session instead:
 *      GET {snapshotsUrl}                          -> {"sources": [{source, blob_key, ...}, ...]}
 *      GET {snapshotsUrl}?source=blob&blob_key=K   -> JSONL, one {"window_id", "data": [events]} per line
 *      GET {snapshotsUrl}?source=realtime&version=2024-04-30 -> same, lines not yet flushed to storage
 *      (the older realtime shape {"snapshots": [line objects]} is accepted too)
 * 2. Un-gzips posthog-js "cv": "2024-10" fields (FullSnapshot data, Mutation adds/removes/texts/
 *    attributes, StyleSheetRule adds/removes). Each is gzip bytes stored one byte per char
 *    (latin1); DecompressionStream("gzip") inflates them, then JSON.parse.
 * 3. Groups events by window (each browser tab has its own DOM and full snapshots), sorts and
 *    de-duplicates them (times in seconds, as the Sentry SDK's performanceSpan events have, become
 *    ms); a window needs a full snapshot and two events to be playable.
 */
(function () {
  "use strict";

  var COMPRESSION_VERSION = "2024-10";
  var EventType = { FullSnapshot: 2, IncrementalSnapshot: 3, Meta: 4 };
  var IncrementalSource = { Mutation: 0, StyleSheetRule: 8 };
  // Fields posthog-js compresses per event type/source (see posthog-js compress_events).
  var COMPRESSED_FIELDS = {};
  COMPRESSED_FIELDS[IncrementalSource.Mutation] = ["adds", "removes", "texts", "attributes"];
  COMPRESSED_FIELDS[IncrementalSource.StyleSheetRule] = ["adds", "removes"];
  var DEFAULT_VIEWPORT = { width: 1024, height: 768 };

  // --- fetching (two-phase protocol) ---------------------------------------------------------

  function ReplayHttpError(status) {
    this.status = status;
    this.message = "HTTP " + status;
  }

  function snapshotsUrl(config, params) {
    var url = new URL(config.snapshotsUrl, window.location.origin);
    Object.keys(params).forEach(function (name) {
      url.searchParams.set(name, params[name]);
    });
    return url.toString();
  }

  async function fetchText(config, url) {
    var headers = { Accept: "application/json" };
    if (config.accessToken) {
      headers.Authorization = "Bearer " + config.accessToken;
    }
    var credentials = config.accessToken ? "omit" : "same-origin";
    var response = await fetch(url, { credentials: credentials, headers: headers });
    if (!response.ok) {
      throw new ReplayHttpError(response.status);
    }
    return response.text();
  }

  async function listSources(config) {
    var body = JSON.parse(await fetchText(config, snapshotsUrl(config, {})));
    var sources = Array.isArray(body.sources) ? body.sources.slice() : [];
    sources.sort(function (a, b) {
      return toMillis(a.start_timestamp) - toMillis(b.start_timestamp);
    });
    return sources;
  }

  // The stored lines of one source, each a JSON value (see parseLine).
  async function fetchSourceLines(config, source) {
    var params = { source: source.source };
    if (source.blob_key) {
      params.blob_key = source.blob_key;
    }
    if (source.source === "realtime") {
      params.version = "2024-04-30"; // JSONL, like blobs
    }
    var text = await fetchText(config, snapshotsUrl(config, params));
    var whole = parseWholeBody(text);
    if (whole) {
      return whole;
    }
    return text
      .split("\n")
      .filter(function (line) {
        return line.trim() !== "";
      })
      .map(function (line) {
        return JSON.parse(line);
      });
  }

  // {"snapshots": [line objects]} (realtime "og" shape), or null for JSONL bodies.
  function parseWholeBody(text) {
    var trimmed = text.trim();
    if (trimmed.charAt(0) !== "{" || trimmed.indexOf("\n") !== -1) {
      return null;
    }
    var parsed = JSON.parse(trimmed);
    return parsed && Array.isArray(parsed.snapshots) ? parsed.snapshots : null;
  }

  function toMillis(value) {
    if (typeof value === "number") {
      return value;
    }
    var parsed = Date.parse(value);
    return isNaN(parsed) ? 0 : parsed;
  }

  // --- parsing ---------------------------------------------------------------------------------

  // One stored line (parsed) -> [{windowId, event}]. Accepts the three shapes PostHog's player
  // reads: {"window_id", "data": [events]} (our blobs), [windowId, event], and an event with windowId.
  function parseLine(parsed) {
    if (Array.isArray(parsed)) {
      return parsed.length === 2 ? [{ windowId: String(parsed[0]), event: parsed[1] }] : [];
    }
    if (parsed && Array.isArray(parsed.data)) {
      var windowId = String(parsed.window_id || parsed.windowId || "");
      return parsed.data.map(function (event) {
        return { windowId: windowId, event: event };
      });
    }
    if (parsed && typeof parsed.type === "number" && "timestamp" in parsed) {
      return [{ windowId: String(parsed.windowId || parsed.window_id || ""), event: parsed }];
    }
    return [];
  }

  // --- cv "2024-10" decompression -------------------------------------------------------------

  async function gunzipLatin1Json(text) {
    var bytes = new Uint8Array(text.length);
    for (var i = 0; i < text.length; i++) {
      var code = text.charCodeAt(i);
      if (code > 0xff) {
        throw new Error("compressed field is not latin1-encoded bytes");
      }
      bytes[i] = code;
    }
    var stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
    return JSON.parse(await new Response(stream).text());
  }

  async function decompressEvent(event) {
    if (!event || event.cv !== COMPRESSION_VERSION) {
      return event;
    }
    var plain = Object.assign({}, event);
    delete plain.cv;
    if (event.type === EventType.FullSnapshot && typeof event.data === "string") {
      plain.data = await gunzipLatin1Json(event.data);
    } else if (event.type === EventType.IncrementalSnapshot && event.data) {
      var fields = COMPRESSED_FIELDS[event.data.source] || [];
      plain.data = Object.assign({}, event.data);
      for (var i = 0; i < fields.length; i++) {
        if (typeof plain.data[fields[i]] === "string") {
          plain.data[fields[i]] = await gunzipLatin1Json(plain.data[fields[i]]);
        }
      }
    }
    return plain;
  }

  // --- per-window preparation -----------------------------------------------------------------

  function groupByWindow(entries) {
    var windows = new Map();
    entries.forEach(function (entry) {
      if (!windows.has(entry.windowId)) {
        windows.set(entry.windowId, []);
      }
      windows.get(entry.windowId).push(entry.event);
    });
    return windows;
  }

  // The size from the last Meta event, or null when there is none.
  function lastViewport(events) {
    var viewport = null;
    events.forEach(function (event) {
      if (event.type === EventType.Meta && event.data && event.data.width && event.data.height) {
        viewport = { width: event.data.width, height: event.data.height };
      }
    });
    return viewport;
  }

  // Sorted, de-duplicated, starting at the first full snapshot (incrementals before it have
  // nothing to apply to), with a Meta injected before a full snapshot that has none (rrweb
  // takes the replay frame's size from Meta).
  // rrweb times are ms; the Sentry SDK's performanceSpan events carry float seconds instead.
  var SECONDS_BEFORE = 1e11;

  function inMillis(event) {
    if (event.timestamp >= SECONDS_BEFORE) {
      return event;
    }
    return Object.assign({}, event, { timestamp: Math.round(event.timestamp * 1000) });
  }

  function prepareWindowEvents(events, fallbackViewport) {
    var sorted = events
      .filter(function (event) {
        return event && typeof event.type === "number" && typeof event.timestamp === "number";
      })
      .map(inMillis)
      .sort(function (a, b) {
        return a.timestamp - b.timestamp;
      });
    var seen = new Set();
    var prepared = [];
    var sawFullSnapshot = false;
    var sawMeta = false;
    sorted.forEach(function (event) {
      var key = event.timestamp + ":" + JSON.stringify(event);
      if (seen.has(key)) {
        return;
      }
      seen.add(key);
      if (event.type === EventType.Meta) {
        sawMeta = true;
      }
      if (event.type === EventType.FullSnapshot) {
        if (!sawMeta) {
          var viewport = lastViewport(sorted) || fallbackViewport;
          prepared.push({ type: EventType.Meta, data: { href: "", width: viewport.width, height: viewport.height }, timestamp: event.timestamp });
          sawMeta = true;
        }
        sawFullSnapshot = true;
      }
      if (event.type === EventType.IncrementalSnapshot && !sawFullSnapshot) {
        return;
      }
      prepared.push(event);
    });
    return sawFullSnapshot ? prepared : [];
  }

  async function loadEntries(config) {
    var sources = await listSources(config);
    var entries = [];
    // Sequential on purpose: sources are time-ordered windows of one recording, and a shared
    // token has a per-token request budget.
    for (var i = 0; i < sources.length; i++) {
      var lines = await fetchSourceLines(config, sources[i]);
      for (var j = 0; j < lines.length; j++) {
        entries.push.apply(entries, parseLine(lines[j]));
      }
    }
    for (var k = 0; k < entries.length; k++) {
      entries[k].event = await decompressEvent(entries[k].event);
    }
    return entries;
  }


  async function loadPlayableWindows(config) {
    var entries = await loadEntries(config);
    var fallbackViewport =
      lastViewport(entries.map(function (entry) { return entry.event; })) || DEFAULT_VIEWPORT;
    var playable = [];
    groupByWindow(entries).forEach(function (events, windowId) {
      var prepared = prepareWindowEvents(events, fallbackViewport);
      // rrweb's Replayer needs at least two events.
      if (prepared.length >= 2) {
        playable.push({ windowId: windowId, events: prepared });
      }
    });
    return playable.sort(function (a, b) {
      return a.events[0].timestamp - b.events[0].timestamp;
    });
  }

  window.sharedReplayData = {
    loadPlayableWindows: loadPlayableWindows,
    lastViewport: lastViewport,
    ReplayHttpError: ReplayHttpError,
    DEFAULT_VIEWPORT: DEFAULT_VIEWPORT,
  };
})();
