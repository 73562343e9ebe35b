// Slack mrkdwn to HTML: *bold*, _italic_, ~strike~, `code`, ```pre```, <url|text>, <@U..>, <#C..>.
"use strict";

function escapeHtml(text) {
  return String(text).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

function mrkdwnToHtml(text, names) {
  const tokens = [];
  const keep = (html) => { tokens.push(html); return "\u0000" + (tokens.length - 1) + "\u0000"; };
  let source = String(text || "");
  source = source.replace(/```([\s\S]*?)```/g, (_, code) => keep("<pre>" + escapeHtml(code) + "</pre>"));
  source = source.replace(/`([^`\n]+)`/g, (_, code) => keep("<code>" + escapeHtml(code) + "</code>"));
  source = source.replace(/<([^<>|]+)(?:\|([^<>]+))?>/g, (_, target, label) => {
    if (target.startsWith("@")) {
      const name = label || (names.users[target.slice(1)] || target.slice(1));
      return keep('<span class="mention">@' + escapeHtml(name) + "</span>");
    }
    if (target.startsWith("#")) {
      const name = label || (names.channels[target.slice(1)] || target.slice(1));
      return keep('<span class="mention">#' + escapeHtml(name) + "</span>");
    }
    if (target.startsWith("!")) {
      return keep('<span class="mention">@' + escapeHtml(label || target.slice(1).split("^")[0]) + "</span>");
    }
    return keep('<a href="' + escapeHtml(target) + '" target="_blank" rel="noopener">' +
                escapeHtml(label || target) + "</a>");
  });
  let html = escapeHtml(source.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&"));
  html = html.replace(/(^|[\s(])\*([^*\n]+)\*(?=$|[\s.,!?:;)])/g, "$1<strong>$2</strong>");
  html = html.replace(/(^|[\s(])_([^_\n]+)_(?=$|[\s.,!?:;)])/g, "$1<em>$2</em>");
  html = html.replace(/(^|[\s(])~([^~\n]+)~(?=$|[\s.,!?:;)])/g, "$1<del>$2</del>");
  html = html.replace(/^&gt; ?(.*)$/gm, "<blockquote>$1</blockquote>");
  html = html.replace(/\n/g, "<br>");
  return html.replace(/\u0000(\d+)\u0000/g, (_, i) => tokens[Number(i)]);
}

function textObjectHtml(obj, names) {
  if (!obj) return "";
  return obj.type === "mrkdwn" ? mrkdwnToHtml(obj.text, names) : escapeHtml(obj.text || "");
}
