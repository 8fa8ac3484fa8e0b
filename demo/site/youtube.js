// Fake YouTube's app: builds the watch page from ytInitialPlayerResponse and ytInitialData a
// moment after load, as the real app does once it has booted. Text goes in as text nodes only.
(function () {
  'use strict';
  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    (children || []).forEach(function (c) {
      node.appendChild(typeof c === 'string' ? document.createTextNode(c) : c);
    });
    return node;
  }
  function formatted(text, attrs) {
    return el('yt-formatted-string', attrs || {class: 'style-scope'}, [text]);
  }
  function errorScreen(status) {
    var screen = (status.errorScreen || {}).playerErrorMessageRenderer || {};
    var reason = (screen.reason || {}).simpleText || status.reason || '';
    var subreason = (screen.subreason || {}).simpleText || '';
    return el('div', {class: 'ytp-error', role: 'alert'}, [
      el('div', {class: 'ytp-error-content'}, [
        el('div', {class: 'ytp-error-content-wrap-reason'}, [el('span', {}, [reason])]),
        el('div', {class: 'ytp-error-content-wrap-subreason'}, [el('span', {}, [subreason])])
      ])
    ]);
  }
  function comment(c, videoId) {
    var badge = c.highlighted ? [el('div', {id: 'linked-comment-badge'}, ['Highlighted comment'])] : [];
    return el('ytd-comment-thread-renderer', {class: 'style-scope ytd-item-section-renderer'}, [
      el('ytd-comment-view-model', {id: 'comment', class: 'style-scope ytd-comment-thread-renderer'}, badge.concat([
        el('div', {id: 'header-author'}, [
          el('h3', {}, [el('a', {id: 'author-text', href: '/' + c.author}, [el('span', {}, [c.author])])]),
          el('span', {id: 'published-time-text'}, [
            el('a', {href: '/watch?v=' + videoId + '&lc=' + c.commentId}, [c.published])])
        ]),
        el('div', {id: 'content'}, [el('yt-attributed-string', {id: 'content-text'}, [
          el('span', {class: 'yt-core-attributed-string'}, [c.text])])]),
        el('div', {id: 'toolbar'}, [el('span', {id: 'vote-count-middle'}, [String(c.likes)])])
      ]))
    ]);
  }
  function render() {
    var root = document.getElementById('content');
    var player = window.ytInitialPlayerResponse || {};
    var status = player.playabilityStatus || {};
    var contents = (window.ytInitialData || {}).contents || {};
    var video = contents.video;
    var box = el('div', {id: 'player', class: 'ytd-watch-flexy'});
    var primary = el('div', {id: 'primary-inner', class: 'ytd-watch-flexy'}, [box]);
    var flexy = el('ytd-watch-flexy', {'video-id': video ? video.videoId : ''}, [
      el('div', {id: 'columns'}, [el('div', {id: 'primary'}, [primary])])
    ]);
    if (status.status !== 'OK' || !video) {
      box.appendChild(errorScreen(status));
      root.appendChild(flexy);
      return;
    }
    box.appendChild(el('div', {class: 'ytp-cued-thumbnail-overlay'}, [
      el('div', {class: 'ytp-cued-thumbnail-overlay-image',
                 style: 'background-image: url("' + video.thumbnail + '")'}),
      el('button', {class: 'ytp-large-play-button', 'aria-label': 'Play'})
    ]));
    primary.appendChild(el('ytd-watch-metadata', {class: 'watch-active-metadata style-scope ytd-watch-flexy'}, [
      el('div', {id: 'title'}, [el('h1', {class: 'style-scope ytd-watch-metadata'}, [formatted(video.title)])]),
      el('div', {id: 'owner'}, [el('ytd-video-owner-renderer', {}, [
        el('ytd-channel-name', {id: 'channel-name'}, [el('div', {id: 'text-container'}, [
          el('yt-formatted-string', {id: 'text', class: 'ytd-channel-name'}, [
            el('a', {href: '/' + video.handle}, [video.channel])])])])])]),
      el('div', {id: 'description'}, [
        el('div', {id: 'info-container'}, [el('yt-formatted-string', {id: 'info'}, [
          el('span', {}, [video.views]), el('span', {}, ['  ']), el('span', {}, [video.date])])]),
        el('ytd-text-inline-expander', {id: 'description-inline-expander'}, [
          el('yt-attributed-string', {}, [el('span', {class: 'yt-core-attributed-string'}, [video.description])])])
      ])
    ]));
    var list = el('div', {id: 'contents'}, (contents.comments || []).map(function (c) { return comment(c, video.videoId); }));
    primary.appendChild(el('ytd-comments', {id: 'comments'}, [
      el('h2', {id: 'count'}, [(contents.comments || []).length + ' Comments']),
      el('ytd-item-section-renderer', {id: 'sections'}, [list])
    ]));
    root.appendChild(flexy);
  }
  window.addEventListener('load', function () { setTimeout(render, 250); });
})();
