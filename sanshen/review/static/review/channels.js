// 发布渠道: a “网站名称/栏目” picked from the datalist of registered sites (the input with
// data-channels-pick) is added as a new line of the form's channels box at once. Without
// scripts the picked line is added on save instead. No inline handlers (the CSP forbids them).
(function () {
  "use strict";

  function isOption(input) {
    var list = input.list;
    if (!list) return false;
    return Array.prototype.some.call(list.options, function (o) { return o.value === input.value; });
  }

  document.addEventListener("change", function (event) {
    var pick = event.target;
    if (!(pick instanceof HTMLInputElement) || !pick.hasAttribute("data-channels-pick")) return;
    var value = pick.value.trim();
    var box = pick.form && pick.form.querySelector('textarea[name="channels"]');
    if (!box || !value || !isOption(pick)) return;
    var lines = box.value.split(/\r?\n/).map(function (l) { return l.trim(); });
    if (lines.indexOf(value) < 0) {
      var text = box.value.replace(/\s+$/, "");
      box.value = text ? text + "\n" + value : value;
    }
    pick.value = "";
    box.focus();
  });
})();
