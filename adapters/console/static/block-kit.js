// A small Block Kit renderer for the console: header, section (text, fields, button accessory),
// context, divider and actions. Slack's own client is not available offline, so this shows the
// structure Slack would show, not its pixels. Text is always set with textContent (never HTML):
// card text comes from reported mail.
'use strict';
(function (global) {
  var EMOJI = { ':white_check_mark:': '✅', ':warning:': '⚠️', ':x:': '❌', ':heavy_minus_sign:': '➖', ':test_tube:': '🧪',
    ':information_source:': 'ℹ️', ':rotating_light:': '🚨', ':hourglass_flowing_sand:': '⏳', ':lock:': '🔒', ':mag:': '🔍', ':link:': '🔗',
    ':paperclip:': '📎', ':email:': '📧', ':bust_in_silhouette:': '👤', ':no_entry:': '⛔', ':stopwatch:': '⏱️', ':fishing_pole_and_fish:': '🎣' };

  // mrkdwn to plain text: links and mentions to their label, Slack's three entities decoded last.
  function plain(text) {
    return String(text || '')
      .replace(/<([^<>|]+)\|([^<>]+)>/g, '$2')
      .replace(/<[@#!]([^<>]+)>/g, '@$1')
      .replace(/<([^<>]+)>/g, '$1')
      .replace(/:[a-z0-9_+-]+:/g, function (m) { return EMOJI[m] || m; })
      .replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
  }

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function button(b, onClick) {
    var btn = el('button', b.style || '', plain(b.text && b.text.text));
    btn.type = 'button';
    btn.dataset.actionId = b.action_id || '';
    btn.dataset.value = b.value || '';
    btn.addEventListener('click', function () { onClick(b.action_id || '', b.value || ''); });
    return btn;
  }

  function renderBlocks(blocks, onClick) {
    var root = el('div', 'slack-card');
    (blocks || []).forEach(function (b) {
      switch (b.type) {
        case 'header': root.appendChild(el('div', 'bk-header', plain(b.text && b.text.text))); break;
        case 'section': {
          var s = el('div', 'bk-section');
          if (b.text) s.appendChild(el('div', '', plain(b.text.text)));
          if (b.fields) {
            var f = el('div', 'bk-fields');
            b.fields.forEach(function (t) { f.appendChild(el('div', '', plain(t.text))); });
            s.appendChild(f);
          }
          if (b.accessory && b.accessory.type === 'button') s.appendChild(el('div', 'bk-actions')).appendChild(button(b.accessory, onClick));
          root.appendChild(s);
          break;
        }
        case 'context': {
          var c = el('div', 'bk-context');
          c.textContent = (b.elements || []).map(function (e) { return e.type === 'image' ? '' : plain(e.text); }).join('  ');
          root.appendChild(c);
          break;
        }
        case 'divider': root.appendChild(el('hr', 'bk-divider')); break;
        case 'actions': {
          var a = el('div', 'bk-actions');
          (b.elements || []).forEach(function (x) { if (x.type === 'button') a.appendChild(button(x, onClick)); });
          root.appendChild(a);
          break;
        }
        default:
          if (b.text && b.text.text) root.appendChild(el('div', 'bk-section', plain(b.text.text)));
      }
    });
    return root;
  }

  global.BlockKit = { renderBlocks: renderBlocks, plain: plain };
})(window);
