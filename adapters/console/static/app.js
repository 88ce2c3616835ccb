// The console page: polls the channel, draws each card as Slack (block-kit.js) and as Teams (the
// official adaptivecards renderer), sends clicks, commands and uploads as the chosen sandbox user.
'use strict';
(function () {
  var state = { user: null, version: -1, users: [], command: '/phish' };
  var $ = function (id) { return document.getElementById(id); };

  function api(method, path, body, headers) {
    return fetch(path, { method: method, headers: headers || (body ? { 'content-type': 'application/json' } : {}), body: body === undefined ? undefined : (typeof body === 'string' || body instanceof ArrayBuffer ? body : JSON.stringify(body)) })
      .then(function (r) { return r.json().then(function (j) { if (!r.ok) throw new Error(j.error || ('HTTP ' + r.status)); return j; }); });
  }

  function toast(text) {
    // Private answers ("not allowed", "already decided") also land in the channel as notes; this
    // just makes sure an error of the request itself is seen.
    var n = document.createElement('div');
    n.className = 'message reply';
    n.textContent = text;
    $('messages').appendChild(n);
  }

  // ---- clicks (both renderings end here)
  function click(button, value, justification) {
    var body = { user: state.user, button: button, value: value };
    if (justification) body.justification = justification;
    return api('POST', '/console/api/click', body).then(function (r) {
      if (r.kind === 'needs-justification') askJustification(button, value, r.message);
      refresh(true);
    }).catch(function (e) { toast('Click failed: ' + e.message); });
  }

  function askJustification(button, value, message) {
    var d = $('justify');
    $('justify-message').textContent = message;
    $('justification').value = '';
    d.dataset.button = button;
    d.dataset.value = value;
    d.showModal();
  }
  $('justify-form').addEventListener('submit', function (ev) {
    ev.preventDefault();
    var d = $('justify');
    d.close();
    click(d.dataset.button, d.dataset.value, $('justification').value);
  });
  $('justify-cancel').addEventListener('click', function () { $('justify').close(); });

  function slackClick(actionId, value) {
    if (actionId.indexOf('decide:') !== 0) { toast('This button is not available in the console.'); return; }
    click(actionId.slice('decide:'.length), value);
  }

  // ---- rendering
  // The renderer leaves markdown alone unless the host processes it. Escape everything first, then
  // allow only bold, italics and line breaks: card text quotes reported mail.
  AdaptiveCards.AdaptiveCard.onProcessMarkdown = function (text, result) {
    var esc = String(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
    result.outputHtml = esc.replace(/\*\*([^*\n]+)\*\*/g, '<strong>$1</strong>').replace(/(^|\s)_([^_\n]+)_(?=\s|$|[.,;:])/g, '$1<em>$2</em>').replace(/\n/g, '<br>');
    result.didProcess = true;
  };

  function teamsCard(json) {
    var card = new AdaptiveCards.AdaptiveCard();
    card.onExecuteAction = function (action) {
      var data = action.data || {};
      if (data.hookline === 'decide') click(data.button, data.value);
    };
    try {
      card.parse(json);
      var node = card.render();
      node.classList.add('teams-card');
      return node;
    } catch (e) {
      var err = document.createElement('div');
      err.textContent = 'The Adaptive Card could not be rendered: ' + e.message;
      return err;
    }
  }

  function rendering(title, node, cls) {
    var w = document.createElement('div');
    w.className = 'rendering ' + cls;
    var h = document.createElement('h3');
    h.textContent = title;
    w.appendChild(h);
    w.appendChild(node);
    return w;
  }

  function drawMessage(m) {
    var box = document.createElement('article');
    box.className = 'message ' + m.kind;
    box.dataset.id = m.id;
    if (m.reportId) box.dataset.reportId = m.reportId;
    var meta = document.createElement('div');
    meta.className = 'meta';
    meta.textContent = (m.kind === 'report' ? 'Report card' : m.kind === 'digest' ? 'Digest' : m.kind === 'result' ? 'Result' : (m.parentId ? 'Thread reply' : (m.by || 'Hookline'))) + ' · ' + new Date(m.at).toLocaleTimeString();
    box.appendChild(meta);
    if (m.kind === 'reply') {
      var t = document.createElement('div');
      t.className = 'reply';
      t.textContent = m.text;
      box.appendChild(t);
      return box;
    }
    var both = document.createElement('div');
    both.className = 'renderings';
    both.appendChild(rendering('Slack', BlockKit.renderBlocks(m.slack.blocks, slackClick), 'slack'));
    if (m.teams) both.appendChild(rendering('Microsoft Teams', teamsCard(m.teams), 'teams'));
    box.appendChild(both);
    return box;
  }

  function drawMessages(list) {
    var root = $('messages');
    root.textContent = '';
    list.forEach(function (m) { root.appendChild(drawMessage(m)); });
  }

  function drawAudit(entries) {
    var root = $('audit');
    root.textContent = '';
    entries.forEach(function (e) {
      var li = document.createElement('li');
      li.className = e.result;
      li.textContent = new Date(e.at).toLocaleTimeString() + ' ' + e.actor + ' (' + e.platform + '): ' + e.action + ' → ' + e.result;
      root.appendChild(li);
    });
  }

  function refresh(force) {
    return api('GET', '/console/api/state').then(function (s) {
      if (!force && s.version === state.version) return;
      state.version = s.version;
      return Promise.all([api('GET', '/console/api/messages'), api('GET', '/console/api/audit')]).then(function (r) {
        drawMessages(r[0].messages);
        drawAudit(r[1].entries);
        document.body.dataset.version = String(r[0].version);
      });
    }).catch(function (e) { document.body.dataset.error = e.message; });
  }

  // ---- command box and upload
  $('command-form').addEventListener('submit', function (ev) {
    ev.preventDefault();
    var text = $('command').value.trim();
    if (!text) return;
    $('command').value = '';
    api('POST', '/console/api/command', { user: state.user, text: text }).then(function () { refresh(true); }).catch(function (e) { toast('Command failed: ' + e.message); });
  });

  $('upload-form').addEventListener('submit', function (ev) {
    ev.preventDefault();
    var f = $('upload').files[0];
    if (!f) { $('upload-result').textContent = 'Choose an .eml or .msg file first.'; return; }
    f.arrayBuffer().then(function (buf) {
      return api('POST', '/console/api/upload?user=' + encodeURIComponent(state.user) + '&name=' + encodeURIComponent(f.name), buf, { 'content-type': 'application/octet-stream' });
    }).then(function (r) {
      $('upload-result').textContent = r.duplicate ? 'Already known as report ' + r.id + '.' : 'Stored as report ' + r.id + ' (' + r.status + ').';
      refresh(true);
    }).catch(function (e) { $('upload-result').textContent = 'Upload failed: ' + e.message; });
  });

  // ---- users
  api('GET', '/console/api/state').then(function (s) {
    state.users = s.users;
    state.command = s.command;
    $('command').placeholder = s.command + ' help';
    var sel = $('user');
    s.users.forEach(function (u) {
      var o = document.createElement('option');
      o.value = u.id;
      o.textContent = u.name + ' (' + u.role + ')';
      sel.appendChild(o);
    });
    state.user = s.users[0] && s.users[0].id;
    sel.addEventListener('change', function () { state.user = sel.value; });
    refresh(true);
    setInterval(refresh, 1000);
  });
})();
