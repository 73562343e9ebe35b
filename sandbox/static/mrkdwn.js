// Slack mrkdwn to HTML: *bold*, _italic_, ~strike~, `code`, ```pre```, <url|text>, <@U..>, <#C..>.
"use strict";

function escapeHtml(text) {
  return String(text).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

// The emoji shortcodes Slack apps commonly send; others stay as typed, as in Slack without that emoji.
const EMOJI = {
  white_check_mark: "\u2705", warning: "\u26a0\ufe0f", tada: "\ud83c\udf89", wave: "\ud83d\udc4b",
  eyes: "\ud83d\udc40", mag: "\ud83d\udd0d", repeat: "\ud83d\udd01", arrow_forward: "\u25b6\ufe0f",
  fast_forward: "\u23e9", no_entry: "\u26d4", no_entry_sign: "\ud83d\udeab", stopwatch: "\u23f1\ufe0f",
  hourglass: "\u231b", hourglass_flowing_sand: "\u23f3", leftwards_arrow_with_hook: "\u21a9\ufe0f",
  double_vertical_bar: "\u23f8\ufe0f", lock: "\ud83d\udd12", robot_face: "\ud83e\udd16",
  rotating_light: "\ud83d\udea8", arrows_counterclockwise: "\ud83d\udd04", x: "\u274c",
};

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
    if (target.startsWith("!date^")) {  // Slack formats the timestamp for the reader; show the fallback
      return keep('<time>' + escapeHtml(label || "") + "</time>");
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
  html = html.replace(/:([a-z0-9_+-]+):/g, (whole, name) => EMOJI[name] || whole);
  html = html.replace(/\n/g, "<br>");
  return html.replace(/\u0000(\d+)\u0000/g, (_, i) => tokens[Number(i)]);
}

function textObjectHtml(obj, names) {
  if (!obj) return "";
  return obj.type === "mrkdwn" ? mrkdwnToHtml(obj.text, names) : escapeHtml(obj.text || "");
}
