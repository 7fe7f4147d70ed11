/* Tell a reader whose paper poster is out of date: the poster's QR code carries
   ?v=<its version stamp>; if it differs from this page's, show the banner.
   Progressive: with JavaScript off the page still shows its stamp to compare. */
(function () {
  var box = document.getElementById("stale");
  if (!box || !window.URLSearchParams) return;
  var v = new URLSearchParams(window.location.search).get("v");
  if (!v || !/^[0-9a-f]{6,40}$/.test(v) || v === box.getAttribute("data-stamp")) return;
  document.getElementById("stale-v").textContent = v;
  var old = document.createElement("a");
  old.href = "v/" + v + "/";
  old.textContent = "查看您手中的版本";
  box.appendChild(document.createTextNode(" "));
  box.appendChild(old);
  box.hidden = false;
})();
