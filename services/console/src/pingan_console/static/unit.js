// Reply attachments, metadata only: picking files fills one row (name, size, type) per file.
// The file input has no name, so the files themselves are never sent to the console.
(function () {
  "use strict";

  function row(file) {
    var div = document.createElement("div");
    div.className = "attachment-row";
    [["attachment_name", file.name, "文件名"],
     ["attachment_size", String(file.size), "大小（字节）"],
     ["attachment_type", file.type || "application/octet-stream", "文件类型"]].forEach(function (f) {
      var input = document.createElement("input");
      input.name = f[0];
      input.value = f[1];
      input.setAttribute("aria-label", f[2]);
      div.appendChild(input);
    });
    return div;
  }

  document.addEventListener("change", function (event) {
    var picker = event.target.closest && event.target.closest("[data-attachment-picker]");
    if (!picker) return;
    var rows = document.querySelector(picker.dataset.attachmentPicker);
    if (!rows) return;
    rows.replaceChildren();
    Array.prototype.forEach.call(picker.files, function (file) { rows.appendChild(row(file)); });
    if (!picker.files.length) rows.appendChild(row({ name: "", size: "", type: "" }));
  });
})();
