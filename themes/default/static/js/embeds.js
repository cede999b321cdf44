// Broadsheet: a video embed (YouTube, Vimeo) is a link to the video until the reader clicks it;
// only then is the player (youtube-nocookie.com, player.vimeo.com) put in its place. Nothing is
// asked of another host before. Without this script the link simply opens the video's page.
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey ||
        event.shiftKey || event.altKey) {
      return; // a new tab or window: the link does that itself
    }
    var link = event.target.closest && event.target.closest("a.embed__play");
    var figure = link && link.closest("figure[data-embed-src]");
    if (!figure) {
      return;
    }
    event.preventDefault();
    var frame = document.createElement("iframe");
    var title = link.querySelector(".embed__title");
    var host = link.querySelector(".embed__host");
    frame.src = figure.getAttribute("data-embed-src");
    frame.title = (title ? title.textContent : "") + (host ? " (" + host.textContent + ")" : "");
    frame.className = "embed__player";
    frame.allow = "autoplay; encrypted-media; picture-in-picture; fullscreen";
    frame.setAttribute("allowfullscreen", "");
    frame.referrerPolicy = "strict-origin-when-cross-origin";
    link.replaceWith(frame);
    frame.focus();
  });
})();
