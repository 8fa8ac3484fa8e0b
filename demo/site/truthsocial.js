// Fake Truth Social's app: reads the status id from the URL, fetches the status and its context
// from the Mastodon API, and renders the thread. Post bodies are the API's sanitised HTML; every
// other value goes in as text.
(function () {
  'use strict';
  var root = document.getElementById('soapbox');
  var match = location.pathname.match(/^\/@(\w+)\/posts\/(\d+)/);
  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    (children || []).forEach(function (c) {
      node.appendChild(typeof c === 'string' ? document.createTextNode(c) : c);
    });
    return node;
  }
  function message(testid, title, text) {
    root.appendChild(el('div', {'data-testid': testid, class: 'empty-state'}, [
      el('h1', {}, [title]), el('p', {}, [text])]));
  }
  function status(s, focused) {
    var content = el('div', {'data-testid': 'status-content', class: 'status__content', lang: s.language || 'en'});
    content.innerHTML = s.content;
    var media = el('div', {'data-testid': 'media-gallery', class: 'media-gallery'}, s.media_attachments.map(function (m) {
      return el('img', {src: m.url, alt: m.description || ''});
    }));
    var reply = s.mentions.length && s.in_reply_to_id ? [el('div', {'data-testid': 'status-reply-mentions', class: 'reply-mentions'}, [
      'Replying to ', el('a', {href: '/@' + s.mentions[0].acct}, ['@' + s.mentions[0].acct])])] : [];
    var when = new Date(s.created_at);
    return el('div', {'data-testid': 'status', 'data-id': s.id, class: 'status' + (focused ? ' status--focused' : '')}, [
      el('div', {'data-testid': 'account', class: 'account'}, [
        el('a', {href: '/@' + s.account.acct, class: 'account__name'}, [
          el('span', {'data-testid': 'display-name'}, [s.account.display_name]), ' ',
          el('span', {class: 'account__acct'}, ['@' + s.account.acct])]),
        ' · ',
        el('a', {href: '/@' + s.account.acct + '/posts/' + s.id}, [
          el('time', {datetime: s.created_at, title: when.toUTCString()}, [when.toDateString()])])
      ])
    ].concat(reply, [content, media, el('div', {class: 'status__actions'}, [
      s.replies_count + ' replies · ' + s.reblogs_count + ' ReTruths · ' + s.favourites_count + ' likes'])]));
  }
  function load() {
    if (!match) { message('empty-state', 'Page not found', 'The page you are looking for isn\'t here.'); return; }
    var id = match[2];
    Promise.all([fetch('/api/v1/statuses/' + id), fetch('/api/v1/statuses/' + id + '/context')]).then(function (answers) {
      var one = answers[0];
      if (one.status === 401) {
        message('login-prompt', 'Sign in to Truth Social', 'You need to be signed in to view this Truth.');
        return null;
      }
      if (!one.ok) {
        message('empty-state', 'Truth not found', 'This Truth has been deleted or is no longer available.');
        return null;
      }
      return Promise.all([one.json(), answers[1].json()]);
    }).then(function (data) {
      if (!data) return;
      var thread = el('div', {class: 'thread'}, data[1].ancestors.map(function (s) { return status(s, false); }));
      thread.appendChild(status(data[0], true));
      root.appendChild(thread);
    });
  }
  root.appendChild(el('header', {class: 'navbar'}, ['TRUTH Social']));
  window.addEventListener('load', function () { setTimeout(load, 150); });
})();
