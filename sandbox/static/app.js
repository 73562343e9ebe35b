// The sandbox page: pick a person, see Home, channels and DMs, act; state arrives by long polling.
"use strict";

const ui = { user: null, target: "home", version: -1, data: null, modalKey: "", poll: 0, people: [] };

async function post(path, body) {
  const response = await fetch(path, { method: "POST", headers: { "Content-Type": "application/json" },
                                       body: JSON.stringify(body) });
  const answer = await response.json().catch(() => ({ ok: false, error: "HTTP " + response.status }));
  if (!answer.ok && answer.error) toast(answer.error);
  return answer;
}

function toast(message) {
  const node = document.getElementById("toast");
  node.textContent = message;
  node.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => { node.hidden = true; }, 6000);
}

function names() {
  return { users: (ui.data && ui.data.users) || {}, channels: (ui.data && ui.data.channels) || {} };
}

function context(scope, target, state, errors) {
  return {
    scope, names: names(), people: ui.people, state, errors,
    onAct: async (blockId, actionId, value) => {
      // In a modal, what was typed so far travels with the action, as in Slack's view.state.
      if (scope.startsWith("v")) await flushInputs(document.getElementById("modal-layer"), target.view_id);
      return post("/_ui/act", { user: ui.user, ...target, block_id: blockId, action_id: actionId, value });
    },
    onInput: (blockId, actionId, value) => post("/_ui/act", { user: ui.user, ...target, block_id: blockId,
                                                              action_id: actionId, value }),
    onUpload: async (blockId, actionId, files) => {
      const form = new FormData();
      form.append("user", ui.user);
      form.append("view_id", target.view_id);
      form.append("block_id", blockId);
      form.append("action_id", actionId);
      for (const file of files) form.append("files", file);
      const response = await fetch("/_ui/upload", { method: "POST", body: form });
      const answer = await response.json();
      if (!answer.ok) toast(answer.error || "Upload failed");
    },
  };
}

// -- sidebar ------------------------------------------------------------------------------

function renderSidebar() {
  const channels = document.getElementById("channel-list");
  const dms = document.getElementById("dm-list");
  channels.replaceChildren();
  dms.replaceChildren();
  for (const conv of ui.data.conversations) {
    const prefix = conv.kind === "dm" ? "@ " : "# ";
    const label = prefix + conv.name + (conv.kind === "private" ? " (private)" : "") + (conv.archived ? " (archived)" : "");
    const item = el("button", { type: "button", class: "nav-item" + (ui.target === conv.id ? " active" : "") +
                                (conv.archived ? " archived" : ""), onclick: () => selectTarget(conv.id) }, label);
    (conv.kind === "dm" ? dms : channels).append(item);
  }
  document.getElementById("nav-home").classList.toggle("active", ui.target === "home");
}

// -- main pane ----------------------------------------------------------------------------

function renderHome() {
  const body = document.getElementById("pane-body");
  document.getElementById("pane-title").textContent = "Home";
  document.getElementById("pane-subtitle").textContent = "Tutti";
  document.getElementById("composer").hidden = true;
  const home = ui.data.home;
  if (!home) {
    body.replaceChildren(el("p", { class: "empty" }, "The app has not published a Home tab for you yet."));
    return;
  }
  body.replaceChildren(el("div", { class: "home" },
    renderBlocks(home.blocks, context("home", { view_id: home.id }, home.state.values, {}))));
}

function renderConversation() {
  const conv = ui.data.conversations.find((c) => c.id === ui.target);
  const body = document.getElementById("pane-body");
  if (!conv) { selectTarget("home"); return; }
  document.getElementById("pane-title").textContent = (conv.kind === "dm" ? "@" : "#") + conv.name;
  document.getElementById("pane-subtitle").textContent = (conv.kind === "private" ? "private · " : "") + (conv.archived ? "archived · " : "") + (conv.topic || "");
  document.getElementById("composer").hidden = conv.archived;
  const list = el("ol", { class: "messages" });
  for (const message of ui.data.messages) {
    const ctx = context("m" + message.ts, { channel: conv.id, ts: message.ts }, {}, {});
    const content = message.blocks && message.blocks.length ? renderBlocks(message.blocks, ctx)
                                                            : el("div", { html: mrkdwnToHtml(message.text, names()) });
    const files = (message.files || []).map((f) => f.mimetype.startsWith("image/")
      ? el("img", { class: "attachment", src: "/_ui/files/" + f.id, alt: f.name })
      : el("a", { href: "/_ui/files/" + f.id, class: "attachment-link" }, "File: " + f.name));
    const time = new Date(Number(message.ts) * 1000).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
    list.append(el("li", { class: "message" + (message.ephemeral ? " ephemeral" : "") }, [
      el("div", { class: "avatar" + (message.is_bot ? " bot" : "") }, message.author.slice(0, 1).toUpperCase()),
      el("div", { class: "message-main" }, [
        el("div", { class: "message-meta" }, [
          el("strong", {}, message.author), message.is_bot ? el("span", { class: "app-badge" }, "APP") : null,
          el("time", {}, time), message.edited ? el("span", { class: "edited" }, "(edited)") : null]),
        content, ...files,
        message.ephemeral ? el("div", { class: "ephemeral-note" }, "Only visible to you") : null]),
    ]));
  }
  if (!ui.data.messages.length) list.append(el("li", { class: "empty" }, "No messages yet."));
  const keepBottom = body.scrollHeight - body.scrollTop - body.clientHeight < 40;
  body.replaceChildren(list);
  if (keepBottom || ui.justSwitched) body.scrollTop = body.scrollHeight;
  ui.justSwitched = false;
}

// -- modal --------------------------------------------------------------------------------

async function flushInputs(layer, viewId) {
  const pending = [];
  for (const input of layer.querySelectorAll("[data-block][data-action]")) {
    pending.push(post("/_ui/act", { user: ui.user, view_id: viewId, block_id: input.dataset.block,
                                    action_id: input.dataset.action, value: input.value }));
  }
  await Promise.all(pending);
}

const TEXT_TYPES = ["plain_text_input", "number_input", "email_text_input", "url_text_input"];

function choiceState(values) {
  const kept = {};
  for (const [blockId, actions] of Object.entries(values || {})) {
    for (const [actionId, value] of Object.entries(actions)) {
      if (!TEXT_TYPES.includes(value.type)) kept[blockId + "/" + actionId] = value;
    }
  }
  return kept;
}

function renderModal() {
  const layer = document.getElementById("modal-layer");
  const modal = ui.data.modal;
  // Typed text lives in the DOM; redraw only when something else the person would see changes.
  const key = modal ? [modal.id, modal.hash, JSON.stringify(modal.errors), modal.notice,
                       JSON.stringify(choiceState(modal.state.values))].join("|") : "";
  if (key === ui.modalKey) return;
  ui.modalKey = key;
  if (!modal) { layer.hidden = true; layer.replaceChildren(); return; }
  const titleId = "modal-title-" + modal.id;
  const footer = el("footer", { class: "modal-footer" }, [
    el("button", { type: "button", class: "btn", onclick: () => post("/_ui/close", { user: ui.user }) },
       plain(modal.close) || (modal.submit ? "Cancel" : "Close")),
    modal.submit ? el("button", { type: "submit", class: "btn primary" }, plain(modal.submit)) : null,
  ]);
  const form = el("form", { class: "modal", role: "dialog", "aria-modal": "true", "aria-labelledby": titleId,
    onsubmit: async (event) => {
      event.preventDefault();
      await flushInputs(layer, modal.id);
      await post("/_ui/submit", { user: ui.user });
    } }, [
    el("header", { class: "modal-header" }, [
      el("h2", { id: titleId }, plain(modal.title)),
      modal.depth > 1 ? el("span", { class: "depth" }, modal.depth + " of 3") : null]),
    modal.notice ? el("div", { class: "modal-notice", role: "alert" }, modal.notice) : null,
    el("div", { class: "modal-body" },
       renderBlocks(modal.blocks, context("v" + modal.id, { view_id: modal.id }, modal.state.values, modal.errors))),
    footer,
  ]);
  layer.replaceChildren(form);
  layer.hidden = false;
}

// -- state --------------------------------------------------------------------------------

function render() {
  renderSidebar();
  if (ui.target === "home") renderHome(); else renderConversation();
  renderModal();
}

async function poll() {
  const ticket = ++ui.poll;
  while (ticket === ui.poll) {
    const conv = ui.target === "home" ? "" : ui.target;
    try {
      const response = await fetch(`/_ui/state?user=${ui.user}&conv=${conv}&since=${ui.version}`);
      if (ticket !== ui.poll) return;
      const data = await response.json();
      if (data.version !== ui.version) {
        ui.version = data.version;
        ui.data = data;
        render();
      }
    } catch (error) {
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }
}

function restart() {
  ui.version = -1;
  ui.modalKey = "";
  poll();
}

function selectTarget(target) {
  ui.target = target;
  ui.justSwitched = true;
  if (target === "home") post("/_ui/home", { user: ui.user });
  restart();
}

async function start() {
  ui.people = await (await fetch("/_ui/users")).json();
  const picker = document.getElementById("user-picker");
  const wanted = new URLSearchParams(location.search).get("user");
  for (const person of ui.people) {
    picker.append(el("option", { value: person.id }, `${person.real_name} (@${person.name})${person.is_admin ? " · admin" : ""}`));
  }
  ui.user = (ui.people.find((p) => p.id === wanted || p.name === wanted) || ui.people[0]).id;
  picker.value = ui.user;
  picker.addEventListener("change", () => {
    ui.user = picker.value;
    history.replaceState(null, "", "?user=" + ui.user);
    selectTarget("home");
  });
  document.getElementById("nav-home").addEventListener("click", () => selectTarget("home"));
  document.getElementById("composer").addEventListener("submit", async (event) => {
    event.preventDefault();
    const input = document.getElementById("composer-input");
    const text = input.value.trim();
    if (!text) return;
    input.value = "";
    await post("/_ui/send", { user: ui.user, channel: ui.target, text });
  });
  selectTarget("home");
}

start();
