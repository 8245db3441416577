// 在线检查: a click on a finding in the list jumps to its highlight and flashes it; a click on a
// highlight selects its findings in the list. No inline handlers (the CSP forbids them).
(function () {
  "use strict";

  function marksOf(index) {
    return Array.prototype.filter.call(document.querySelectorAll("mark.hl"), function (mark) {
      return (mark.getAttribute("data-findings") || "").split(" ").indexOf(String(index)) >= 0;
    });
  }

  function clear() {
    document.querySelectorAll("mark.hl.flash").forEach(function (m) { m.classList.remove("flash"); });
    document.querySelectorAll(".finding.active").forEach(function (f) { f.classList.remove("active"); });
  }

  function select(indexes, scrollText, scrollList) {
    clear();
    indexes.forEach(function (index, n) {
      marksOf(index).forEach(function (m) { m.classList.add("flash"); });
      var item = document.getElementById("finding-" + index);
      if (item) {
        item.classList.add("active");
        if (scrollList && n === 0) { item.scrollIntoView({ block: "nearest", behavior: "smooth" }); }
      }
    });
    if (scrollText && indexes.length) {
      var anchor = document.getElementById("hl-" + indexes[0]);
      if (anchor) { anchor.scrollIntoView({ block: "center", behavior: "smooth" }); }
    }
  }

  document.addEventListener("click", function (event) {
    var jump = event.target.closest(".finding-jump");
    if (jump) {
      event.preventDefault();
      select([jump.getAttribute("data-index")], true, false);
      if (history.replaceState) { history.replaceState(null, "", "#hl-" + jump.getAttribute("data-index")); }
      return;
    }
    var mark = event.target.closest("mark.hl");
    if (mark) {
      select((mark.getAttribute("data-findings") || "").split(" ").filter(Boolean), false, true);
    }
  });
})();
