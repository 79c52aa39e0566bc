/* Article admin: suggest existing tags while the editor types in the tags field.
   Tags are separated by commas or Chinese punctuation (，、；); the word being typed
   is the one after the last separator. */
(function () {
  "use strict";
  var SEPARATORS = /[,，、；;]/;

  function lastToken(value) {
    var parts = value.split(SEPARATORS);
    return parts[parts.length - 1].trim();
  }

  function attach(input) {
    var url = input.getAttribute("data-tag-autocomplete");
    var list = document.createElement("ul");
    list.className = "tag-suggestions";
    list.setAttribute("role", "listbox");
    list.hidden = true;
    input.setAttribute("aria-autocomplete", "list");
    input.insertAdjacentElement("afterend", list);
    var timer = null;
    var active = -1;

    function close() {
      list.hidden = true;
      list.textContent = "";
      active = -1;
    }

    function choose(name) {
      var value = input.value;
      var match = value.match(/^(.*[,，、；;])?\s*[^,，、；;]*$/);
      var head = match && match[1] ? match[1] : "";
      input.value = head + (head ? " " : "") + name + ", ";
      close();
      input.focus();
    }

    function highlight(index) {
      var items = list.querySelectorAll("li");
      items.forEach(function (li, i) { li.setAttribute("aria-selected", i === index ? "true" : "false"); });
      active = index;
    }

    function show(names) {
      list.textContent = "";
      var typed = input.value.split(SEPARATORS).map(function (s) { return s.trim(); });
      names = names.filter(function (n) { return typed.indexOf(n) === -1; });
      if (!names.length) { close(); return; }
      names.forEach(function (name) {
        var li = document.createElement("li");
        li.setAttribute("role", "option");
        li.textContent = name;
        li.addEventListener("mousedown", function (event) {
          event.preventDefault();
          choose(name);
        });
        list.appendChild(li);
      });
      list.hidden = false;
      active = -1;
    }

    input.addEventListener("input", function () {
      clearTimeout(timer);
      var token = lastToken(input.value);
      if (!token) { close(); return; }
      timer = setTimeout(function () {
        fetch(url + "?q=" + encodeURIComponent(token), {
          credentials: "same-origin",
          headers: { Accept: "application/json" }
        })
          .then(function (r) { return r.ok ? r.json() : { results: [] }; })
          .then(function (data) {
            if (lastToken(input.value) === token) show(data.results || []);
          })
          .catch(close);
      }, 150);
    });

    input.addEventListener("keydown", function (event) {
      var items = list.querySelectorAll("li");
      if (list.hidden || !items.length) return;
      if (event.key === "ArrowDown") {
        event.preventDefault();
        highlight((active + 1) % items.length);
      } else if (event.key === "ArrowUp") {
        event.preventDefault();
        highlight((active - 1 + items.length) % items.length);
      } else if (event.key === "Enter" && active >= 0) {
        event.preventDefault();
        choose(items[active].textContent);
      } else if (event.key === "Escape") {
        close();
      }
    });
    input.addEventListener("blur", function () { setTimeout(close, 150); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("input[data-tag-autocomplete]").forEach(attach);
  });
})();
