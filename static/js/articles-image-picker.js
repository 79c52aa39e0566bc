/* Article editor's picture window (admin): hands the chosen picture back to the editor
   dialog that opened it (django-prose-editor's picker speaks CKEditor's callFunction). */
(function () {
  "use strict";

  function opener() {
    try {
      var w = window.opener;
      return w && w.CKEDITOR && w.CKEDITOR.tools && w.CKEDITOR.tools.callFunction ? w : null;
    } catch (e) {
      return null;
    }
  }

  function pick(root, el) {
    var target = opener();
    var funcNum = root.getAttribute("data-func-num");
    if (!target || !funcNum) {
      root.querySelector(".image-picker__nofunc").hidden = false;
      return;
    }
    target.CKEDITOR.tools.callFunction(funcNum, el.getAttribute("data-pick-url"), {
      id: el.getAttribute("data-pick-id"),
      alternative_text: el.getAttribute("data-pick-alt") || ""
    });
    window.close();
  }

  document.addEventListener("DOMContentLoaded", function () {
    var root = document.querySelector(".image-picker");
    if (!root) return;
    root.addEventListener("click", function (event) {
      var el = event.target.closest("[data-pick-url]");
      if (el) {
        event.preventDefault();
        pick(root, el);
      }
    });
    // A picture just uploaded goes straight back to the editor.
    var done = root.querySelector(".image-picker__done [data-pick-url]");
    if (done && opener()) pick(root, done);
  });
})();
