// Progress overview: filters apply on change, the summary copies to the clipboard, print.
(function () {
  "use strict";

  document.querySelectorAll("form[data-autosubmit] select, form[data-autosubmit] input[type=checkbox]").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  });

  document.querySelectorAll("[data-copy]").forEach(function (button) {
    button.addEventListener("click", function () {
      var source = document.querySelector(button.getAttribute("data-copy"));
      var label = button.textContent;
      function done() {
        button.textContent = button.getAttribute("data-copied");
        setTimeout(function () { button.textContent = label; }, 2000);
      }
      // The Clipboard API needs a secure context; plain-HTTP deployments fall back to execCommand.
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(source.value).then(done);
      } else {
        source.focus();
        source.select();
        if (document.execCommand("copy")) { done(); }
      }
    });
  });

  // Collapsed lists would print collapsed.
  window.addEventListener("beforeprint", function () {
    document.querySelectorAll(".overview details").forEach(function (d) { d.open = true; });
  });

  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });
})();
