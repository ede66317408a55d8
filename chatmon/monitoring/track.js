/* chatmon feature events: <script src="/monitoring/track.js"></script>, then chatmon.track("conversation.shared").
   Names must be in MONITORING_FEATURE_EVENTS. sendBeacon survives page unloads and never blocks the page. */
(function (global) {
  "use strict";
  var endpoint = (document.currentScript && document.currentScript.dataset.endpoint) || "/monitoring/events";

  function track(name) {
    var body = JSON.stringify({ name: String(name) });
    if (navigator.sendBeacon && navigator.sendBeacon(endpoint, body)) {
      return;
    }
    fetch(endpoint, { method: "POST", body: body, credentials: "same-origin", keepalive: true,
                      headers: { "Content-Type": "application/json" } }).catch(function () {});
  }

  global.chatmon = global.chatmon || {};
  global.chatmon.track = track;
})(window);
