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

  // WeChat share card: only inside WeChat and only when the site has a WeChat AppID (the
  // <body> then carries data-wechat-sdk). The JS-SDK is loaded from this site,
  // wx.config is signed by /wechat/signature/ for this address, and the card takes the
  // page's og:title, og:description and og:image. The shared link is this address, so an
  // agent's ?ref= stays on it.
  function meta(selector) {
    var el = document.querySelector(selector);
    return el ? el.getAttribute("content") : "";
  }
  function startWeChatShare() {
    var body = document.body;
    var sdk = body.getAttribute("data-wechat-sdk");
    if (!sdk || !/MicroMessenger/i.test(navigator.userAgent)) return;
    var pageUrl = location.href.split("#")[0];
    var script = document.createElement("script");
    script.src = sdk;
    script.onload = function () {
      var endpoint = body.getAttribute("data-wechat-signature") + "?url=" + encodeURIComponent(pageUrl);
      fetch(endpoint, { headers: { "Accept": "application/json" }, cache: "no-store" })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (config) {
          if (!config || !window.wx) return;
          window.wx.config({
            debug: false,
            appId: config.appId,
            timestamp: config.timestamp,
            nonceStr: config.nonceStr,
            signature: config.signature,
            jsApiList: ["updateAppMessageShareData", "updateTimelineShareData"]
          });
          window.wx.ready(function () {
            var card = {
              title: meta("meta[property='og:title']") || document.title,
              desc: meta("meta[property='og:description']"),
              link: pageUrl,
              imgUrl: meta("meta[property='og:image']")
            };
            window.wx.updateAppMessageShareData(card);
            window.wx.updateTimelineShareData({ title: card.title, link: card.link, imgUrl: card.imgUrl });
          });
        });
    };
    document.head.appendChild(script);
  }

  document.addEventListener("DOMContentLoaded", function () {
    startWeChatShare();
    fillInquiryTokens();
    startFilterSheets();
    startCountdowns();
    startCopyButtons();
    startSingleSubmit();
  });
})();
