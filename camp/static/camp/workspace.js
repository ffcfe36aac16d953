// The review workspace: j/k walk the queue, c focuses the comment,
// Ctrl+Enter (or Cmd+Enter) in the comment saves and opens the next report,
// and "Preview" renders the comment as the student will see it.
(function () {
  "use strict";
  function typing(target) {
    // A radio button or checkbox in focus takes no letters: the keys still work.
    return target.closest(
      "textarea, select, [contenteditable], input:not([type=radio]):not([type=checkbox])"
    );
  }
  document.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey) && event.target.matches("[data-comment]")) {
      var next = document.querySelector("[data-save-next]");
      if (next) { event.preventDefault(); next.click(); }
      return;
    }
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return;
    var link;
    if (event.key === "j") link = document.querySelector("[data-next]");
    else if (event.key === "k") link = document.querySelector("[data-prev]");
    if (link) { event.preventDefault(); window.location.href = link.href; return; }
    if (event.key === "c") {
      var comment = document.querySelector("[data-comment]");
      if (comment) { event.preventDefault(); comment.focus(); }
    }
  });
  document.addEventListener("DOMContentLoaded", function () {
    var button = document.querySelector("[data-preview-button]");
    var preview = document.querySelector("[data-preview]");
    var comment = document.querySelector("[data-comment]");
    if (!button || !preview || !comment) return;
    button.addEventListener("click", function () {
      var form = new FormData();
      form.append("body", comment.value);
      form.append("csrfmiddlewaretoken", document.querySelector("[name=csrfmiddlewaretoken]").value);
      fetch(preview.dataset.previewUrl, { method: "POST", body: form, credentials: "same-origin" })
        .then(function (response) { return response.text(); })
        .then(function (html) { preview.innerHTML = html; preview.hidden = false; });
    });
  });
})();
