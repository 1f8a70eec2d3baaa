// Optional extras for the citizen pages. Every page works without them.
(function () {
  "use strict";
  // Character counter for the text field.
  var body = document.getElementById("body");
  var counter = document.getElementById("body-counter");
  if (body && counter) {
    var max = parseInt(body.getAttribute("data-max"), 10) || 2000;
    var update = function () {
      // Count characters, not UTF-16 units, as the server does.
      var n = Array.from ? Array.from(body.value).length : body.value.length;
      counter.textContent = "已写 " + n + " / " + max + " 字";
      counter.className = n > max ? "counter error" : "counter";
    };
    body.addEventListener("input", update);
    update();
  }
  // Browser position, reported in WGS-84.
  var locate = document.getElementById("locate");
  if (locate && navigator.geolocation) {
    locate.hidden = false;
    var status = document.getElementById("locate-status");
    locate.addEventListener("click", function () {
      status.textContent = "正在定位…";
      navigator.geolocation.getCurrentPosition(function (pos) {
        document.getElementById("lat").value = pos.coords.latitude.toFixed(6);
        document.getElementById("lon").value = pos.coords.longitude.toFixed(6);
        status.textContent = "已获取当前位置（精度约 " + Math.round(pos.coords.accuracy) + " 米）";
      }, function () {
        status.textContent = "无法定位。请直接在上面填写地址。";
      }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
    });
  }
  // Whether the page before this one in the tab was the response to a form
  // post: "1" or "0", or null when unknown. Going back to such a page would
  // make the browser ask to send the form again.
  var previousPosted = null;
  try {
    previousPosted = sessionStorage.getItem("minyi-posted");
    sessionStorage.setItem("minyi-posted", sessionStorage.getItem("minyi-sending") === "1" ? "1" : "0");
    sessionStorage.removeItem("minyi-sending");
  } catch (err) { /* storage blocked: the back link opens its address */ }
  // A second tap on a submit button while the page is sending does nothing.
  var forms = document.querySelectorAll("form");
  for (var j = 0; j < forms.length; j++) {
    forms[j].addEventListener("submit", function (e) {
      if (e.defaultPrevented) { return; }
      var f = e.currentTarget;
      if (f.getAttribute("data-sending") === "1") { e.preventDefault(); return; }
      f.setAttribute("data-sending", "1");
      try { sessionStorage.setItem("minyi-sending", "1"); } catch (err) { /* see above */ }
    });
  }
  // The back link of an error page goes back in history when the page
  // before was opened by a link, so the browser restores what the citizen
  // typed there. Otherwise it opens its address, a fresh form.
  var back = document.querySelector("a[data-back]");
  if (back && previousPosted === "0" && history.length > 1) {
    back.addEventListener("click", function (e) {
      e.preventDefault();
      history.back();
    });
  }
})();
