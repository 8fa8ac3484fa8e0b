"use strict";
// Renders a status page the way X does: nothing useful until a JSON fetch after load.
(function () {
  var root = document.getElementById("react-root");
  var found = /\/status\/(\d+)/.exec(location.pathname);
  var focalId = found ? found[1] : "";
  var MONTHS = { Jan: 0, Feb: 1, Mar: 2, Apr: 3, May: 4, Jun: 5, Jul: 6, Aug: 7, Sep: 8, Oct: 9, Nov: 10, Dec: 11 };
  var URL_RE = /https?:\/\/[^\s<>"']*[^\s<>"'.,;:!?»)\]]/g;

  function esc(s) {
    return String(s).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }
  // Links are found in the raw text and every piece escaped on its own, so the visible text
  // is exactly the post's text.
  function rich(s) {
    var out = "", last = 0, m;
    URL_RE.lastIndex = 0;
    while ((m = URL_RE.exec(s))) {
      out += esc(s.slice(last, m.index)) + '<a href="' + esc(m[0]) + '" rel="noopener noreferrer nofollow" target="_blank" role="link">' + esc(m[0]) + "</a>";
      last = m.index + m[0].length;
    }
    return (out + esc(s.slice(last))).replace(/\n/g, "<br>");
  }
  // "Mon Feb 24 18:04:00 +0000 2025", the legacy API's format.
  function parseDate(s) {
    var m = /^\w{3} (\w{3}) (\d{1,2}) (\d\d):(\d\d):(\d\d) \+0000 (\d{4})$/.exec(s);
    return new Date(Date.UTC(+m[6], MONTHS[m[1]], +m[2], +m[3], +m[4], +m[5]));
  }
  function human(d) {
    var time = d.toLocaleTimeString("en-US", { hour: "numeric", minute: "2-digit" });
    var day = d.toLocaleDateString("en-US", { month: "short", day: "numeric", year: "numeric" });
    return time + " · " + day;
  }
  function userName(u) {
    var handle = esc(u.screen_name);
    return '<div data-testid="User-Name"><a href="/' + handle + '" role="link"><span>' + esc(u.name) +
      '</span></a><a href="/' + handle + '" role="link" tabindex="-1"><span>@' + handle + "</span></a></div>";
  }
  function photos(legacy) {
    return legacy.extended_entities.media.map(function (m) {
      return '<div data-testid="tweetPhoto"><img alt="' + esc(m.ext_alt_text) + '" src="' + esc(m.media_url_https) + '" draggable="true"></div>';
    }).join("");
  }
  function tombstone(t) {
    return '<div data-testid="tombstone"><span>' + esc(t.tombstone) + "</span></div>";
  }
  function quote(q) {
    if (!q) return "";
    if (q.tombstone) return '<div data-testid="quoteTweet" role="link">' + tombstone(q) + "</div>";
    var u = q.core.user;
    return '<div data-testid="quoteTweet" role="link"><a href="/' + esc(u.screen_name) + "/status/" + esc(q.rest_id) +
      '"><span>' + esc(u.name) + "</span> <span>@" + esc(u.screen_name) + "</span></a><div lang=\"" + esc(q.legacy.lang) +
      '">' + rich(q.legacy.full_text) + "</div></div>";
  }
  function article(t, opts) {
    var u = t.core.user, l = t.legacy, when = parseDate(l.created_at);
    var replying = opts.replyTo ? '<div class="replying">Replying to <a href="/' + esc(opts.replyTo) + '">@' + esc(opts.replyTo) + "</a></div>" : "";
    var counts = l.reply_count + " replies, " + l.favorite_count + " likes";
    return '<article data-testid="tweet" role="article" tabindex="-1" class="' + (opts.parent ? "parent" : "focal") +
      '" data-initial="' + esc(u.name.charAt(0)) + '">' +
      userName(u) + replying +
      '<div data-testid="tweetText" lang="' + esc(l.lang) + '" dir="auto"><span>' + rich(l.full_text) + "</span></div>" +
      photos(l) + quote(opts.quoted) +
      '<a href="/' + esc(u.screen_name) + "/status/" + esc(t.rest_id) + '" role="link"><time datetime="' +
      when.toISOString() + '">' + esc(human(when)) + "</time></a>" +
      '<div role="group" aria-label="' + counts + '"><button data-testid="reply" type="button"><span>' + l.reply_count +
      '</span></button><button data-testid="like" type="button"><span>' + l.favorite_count + "</span></button></div>" +
      "</article>";
  }
  function page(inner) {
    root.innerHTML = '<header class="topbar">Post</header><main role="main">' + inner + "</main>";
  }
  function render(data) {
    var t = data.tweet, parent = "";
    if (data.parent) parent = data.parent.tombstone ? tombstone(data.parent) : article(data.parent, { parent: true });
    page('<section aria-labelledby="accessible-list-0"><h1 id="accessible-list-0" class="visually-hidden">Conversation</h1>' +
      parent + article(t, { replyTo: t.legacy.in_reply_to_screen_name, quoted: data.quoted }) + "</section>");
    document.title = t.core.user.name + ' on X: "' + t.legacy.full_text + '" / X';
  }
  function notFound() {
    page('<div data-testid="error-detail"><span>Hmm...this page doesn’t exist. Try searching for something else.</span></div>');
  }
  function suspended() {
    page('<div data-testid="empty_state_header_text">Account suspended</div><div class="empty-state-body">X suspends accounts which violate the X Rules</div>');
  }
  function load() {
    fetch("/i/api/fixture/TweetDetail/" + focalId, { credentials: "same-origin", headers: { accept: "application/json" } })
      .then(function (r) { return r.json().then(function (body) { return { status: r.status, body: body }; }); })
      .then(function (res) {
        if (res.status === 200) return render(res.body.data);
        var code = res.body.errors && res.body.errors[0] && res.body.errors[0].code;
        if (code === 63) suspended(); else notFound();
      })
      .catch(function () {
        page('<div data-testid="error-detail"><span>Something went wrong. Try reloading.</span></div>');
      });
  }
  window.addEventListener("load", function () { setTimeout(load, 200); });
})();
