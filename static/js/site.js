/* G60 Portal: small progressive enhancements; every page works without this file. */
(function () {
  "use strict";

  // Countdowns: <time data-countdown="ISO-8601">server-rendered text</time> ticks each second.
  function formatRemaining(ms, el) {
    if (ms <= 0) return el.getAttribute("data-countdown-done") || el.textContent;
    var s = Math.floor(ms / 1000);
    var d = Math.floor(s / 86400); s -= d * 86400;
    var h = Math.floor(s / 3600); s -= h * 3600;
    var m = Math.floor(s / 60); s -= m * 60;
    var tpl = el.getAttribute("data-countdown-format") || "{d}d {h}h {m}m {s}s";
    return tpl.replace("{d}", d).replace("{h}", h).replace("{m}", m).replace("{s}", s);
  }
  function startCountdowns() {
    var els = document.querySelectorAll("[data-countdown]");
    if (!els.length) return;
    function tick() {
      var now = Date.now();
      els.forEach(function (el) {
        var target = Date.parse(el.getAttribute("data-countdown"));
        if (!isNaN(target)) el.textContent = formatRemaining(target - now, el);
      });
    }
    tick();
    setInterval(tick, 1000);
  }

  // "Copy link" buttons: <button data-copy="URL">.
  function startCopyButtons() {
    document.querySelectorAll("[data-copy]").forEach(function (btn) {
      btn.hidden = false;
      btn.addEventListener("click", function () {
        var text = btn.getAttribute("data-copy");
        if (navigator.clipboard) {
          navigator.clipboard.writeText(text).then(function () {
            btn.textContent = btn.getAttribute("data-copied") || "✓";
          });
        }
      });
    });
  }

  // Forms that must not be sent twice: disable the submit button on the first submit.
  function startSingleSubmit() {
    document.querySelectorAll("form[data-single-submit]").forEach(function (form) {
      form.addEventListener("submit", function () {
        form.querySelectorAll("button[type=submit]").forEach(function (b) {
          setTimeout(function () { b.disabled = true; }, 0);
        });
      });
    });
  }

  // Filter sheets (<details data-open-wide>): closed on phones, open on wide screens.
  function startFilterSheets() {
    var wide = window.matchMedia("(min-width: 960px)");
    function apply() {
      document.querySelectorAll("details[data-open-wide]").forEach(function (sheet) {
        if (wide.matches) sheet.open = true;
      });
    }
    apply();
    if (wide.addEventListener) wide.addEventListener("change", apply);
  }

  // Inquiry forms on pages served to everyone from the page cache carry a stamp shared by
  // every visitor of the page: swap in a personal one (it keeps the minimum fill time
  // meaningful) and fill in where the visitor came from. Without JavaScript the form
  // still submits with the shared stamp.
  function fillInquiryTokens() {
    document.querySelectorAll("form[data-inquiry-token]").forEach(function (form) {
      var referrer = form.querySelector("input[name=referrer]");
      if (referrer && !referrer.value) referrer.value = document.referrer.slice(0, 500);
      fetch(form.getAttribute("data-inquiry-token"), {
        credentials: "same-origin",
        headers: { "Accept": "application/json" },
        cache: "no-store"
      }).then(function (response) {
        return response.ok ? response.json() : null;
      }).then(function (data) {
        if (!data) return;
        var stamp = form.querySelector("input[name=stamp]");
        if (stamp) stamp.value = data.stamp;
        form.setAttribute("data-inquiry-ready", "");
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    fillInquiryTokens();
    startFilterSheets();
    startCountdowns();
    startCopyButtons();
    startSingleSubmit();
  });
})();
