"use strict";
// Renders a Bluesky post thread the way bsky.app does: after load, from getPostThread.
(function () {
  var root = document.getElementById("root");
  var found = /^\/profile\/([^/]+)\/post\/([a-z0-9]+)/.exec(location.pathname);
  var handle = found ? decodeURIComponent(found[1]) : "", rkey = found ? found[2] : "";
  var URL_RE = /https?:\/\/[^\s<>"']*[^\s<>"'.,;:!?»)\]]/g;

  function esc(s) {
    return String(s).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }
  // Links are found in the raw text and every piece escaped on its own.
  function rich(s) {
    var out = "", last = 0, m;
    URL_RE.lastIndex = 0;
    while ((m = URL_RE.exec(s))) {
      out += esc(s.slice(last, m.index)) + '<a href="' + esc(m[0]) + '" target="_blank" rel="noopener">' + esc(m[0]) + "</a>";
      last = m.index + m[0].length;
    }
    return out + esc(s.slice(last));
  }
  function human(d) {
    return d.toLocaleDateString("en-US", { month: "long", day: "numeric", year: "numeric" }) + " at " +
      d.toLocaleTimeString("en-US", { hour: "numeric", minute: "2-digit" });
  }
  function rkeyOf(uri) { return uri.split("/").pop(); }
  function item(post, opts) {
    var a = post.author, r = post.record, when = new Date(r.createdAt);
    var link = "/profile/" + esc(a.handle) + "/post/" + esc(rkeyOf(post.uri));
    var images = post.embed && post.embed.images ? post.embed.images.map(function (i) {
      return '<img src="' + esc(i.fullsize) + '" alt="' + esc(i.alt) + '">';
    }).join("") : "";
    return '<div data-testid="postThreadItem-by-' + esc(a.handle) + '" role="link" class="' + (opts.focal ? "focal" : "parent") + '"' +
      (opts.replyTo ? ' data-reply-to="' + esc(opts.replyTo) + '"' : "") + ">" +
      '<a href="/profile/' + esc(a.handle) + '" aria-label="View profile"><span data-testid="postAuthorName">' + esc(a.displayName) +
      '</span><span data-testid="postAuthorHandle">@' + esc(a.handle) + "</span></a>" +
      '<div data-testid="postText" lang="' + esc((r.langs || [""])[0]) + '">' + rich(r.text) + "</div>" +
      (images ? '<div data-testid="postEmbed">' + images + "</div>" : "") +
      '<a data-testid="postTimestamp" href="' + link + '" title="' + when.toISOString() + '" data-tooltip="' + esc(human(when)) + '">' +
      esc(human(when)) + "</a>" +
      '<div data-testid="likeCount">' + post.likeCount + "</div></div>";
  }
  function screen(inner) {
    root.innerHTML = '<div class="topbar">Post</div><div data-testid="postThreadScreen">' + inner + "</div>";
  }
  function message(title, text) { screen("<h2>" + esc(title) + "</h2><p>" + esc(text) + "</p>"); }
  function render(thread) {
    var post = thread.post, labels = post.author.labels || [];
    var signInOnly = labels.some(function (l) { return l.val === "!no-unauthenticated"; });
    if (signInOnly) {
      return message("Sign-in required", "This author has chosen to make their posts visible only to people who are signed in.");
    }
    var parent = "", replyTo = null, p = thread.parent;
    if (p && p.post) {
      parent = item(p.post, {});
      replyTo = "https://bsky.app/profile/" + p.post.author.handle + "/post/" + rkeyOf(p.post.uri);
    } else if (p && p.notFound) {
      parent = '<div data-testid="postThreadItem-notFound"><p>Deleted post.</p></div>';
    }
    screen(parent + item(post, { focal: true, replyTo: replyTo }));
    document.title = post.author.displayName + ': "' + post.record.text + '" — Bluesky';
  }
  function load() {
    var uri = "at://" + handle + "/app.bsky.feed.post/" + rkey;
    fetch("/xrpc/app.bsky.feed.getPostThread?uri=" + encodeURIComponent(uri) + "&depth=0")
      .then(function (r) { return r.json().then(function (body) { return { status: r.status, body: body }; }); })
      .then(function (res) {
        if (res.status === 200) return render(res.body.thread);
        if (res.body.error === "AccountTakedown") return message("Account Taken Down", "This account has been suspended.");
        message("Post not found", "The post may have been deleted.");
      })
      .catch(function () { message("Something went wrong", "Please try again later."); });
  }
  root.innerHTML = '<div class="loading" role="progressbar">Loading…</div>';
  window.addEventListener("load", function () { setTimeout(load, 250); });
})();
