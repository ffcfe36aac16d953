// Progress overview: cells link to their reports and explain themselves on hover,
// filters apply on change, the summary copies to the clipboard, print.
(function () {
  "use strict";

  // Each row lists its cells' report ids and days late in data-cells (see
  // reports/overview/templatetags.py overview_row): the mark becomes a link.
  var matrix = document.querySelector("table.matrix[data-report-url]");
  if (matrix) {
    var reportUrl = matrix.getAttribute("data-report-url");
    var cut = reportUrl.lastIndexOf("0");
    var before = reportUrl.slice(0, cut), after = reportUrl.slice(cut + 1);
    matrix.querySelectorAll("tr[data-cells]").forEach(function (row) {
      var entries = row.getAttribute("data-cells").split(",");
      var cells = row.getElementsByTagName("td");
      entries.forEach(function (entry, index) {
        var id = entry.split("/")[0];
        var cell = cells[index];
        if (!id || !cell) { return; }
        var link = document.createElement("a");
        link.href = before + id + after;
        while (cell.firstChild) { link.appendChild(cell.firstChild); }
        cell.appendChild(link);
      });
    });

    var labels = {};
    document.querySelectorAll(".legend [data-code]").forEach(function (mark) {
      labels[mark.getAttribute("data-code")] = mark.parentNode.querySelector(".label").textContent;
    });
    var headers = matrix.querySelectorAll("thead th.period");
    // The title is built when the pointer first reaches a cell, not for 13,000 cells at load.
    matrix.addEventListener("mouseover", function (event) {
      var cell = event.target.closest("td");
      if (!cell || cell.title) { return; }
      var row = cell.parentNode;
      var index = Array.prototype.indexOf.call(row.getElementsByTagName("td"), cell);
      var entry = (row.getAttribute("data-cells") || "").split(",")[index] || "";
      var late = parseInt(entry.split("/")[1], 10);
      var parts = [headers[index] ? "#" + headers[index].getAttribute("data-number") : ""];
      parts.push(labels[cell.className.split(" ")[0] || "s-f"] || "");
      if (late) {
        var text = matrix.getAttribute(late === 1 ? "data-late-one" : "data-late-many");
        parts.push(text.replace("{n}", late));
      }
      cell.title = parts.join(" · ");
    });
  }

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

  // Collapsed lists would print collapsed, and a text area prints clipped: the
  // summary prints from a copy made now (the page does not carry it twice).
  window.addEventListener("beforeprint", function () {
    document.querySelectorAll(".overview details").forEach(function (d) { d.open = true; });
    var summary = document.getElementById("summary-text");
    if (summary && !document.getElementById("summary-print")) {
      var copy = document.createElement("pre");
      copy.id = "summary-print";
      copy.className = "print-only";
      copy.textContent = summary.value;
      summary.parentNode.insertBefore(copy, summary.nextSibling);
    }
  });

  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });
})();
