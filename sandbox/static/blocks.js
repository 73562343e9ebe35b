// Block Kit to accessible HTML: real <button>s, <label for> on inputs, <fieldset>/<legend> for groups.
"use strict";

function el(tag, attrs, children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "html") node.innerHTML = value;
    else if (key === "text") node.textContent = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : value);
  }
  for (const child of [].concat(children || [])) {
    if (child) node.append(child);
  }
  return node;
}

function plain(obj) { return obj && obj.text ? obj.text : ""; }

function domId(ctx, blockId, actionId) {
  return ("el-" + ctx.scope + "-" + blockId + "-" + actionId).replace(/[^A-Za-z0-9_-]/g, "_");
}

function optionElements(element, selected) {
  const options = [];
  const all = (element.options || []).concat(...(element.option_groups || []).map((g) => g.options || []));
  for (const option of all) {
    options.push(el("option", { value: option.value, selected: selected.includes(option.value) },
                    plain(option.text)));
  }
  return options;
}

function currentValue(ctx, blockId, actionId) {
  return ((ctx.state || {})[blockId] || {})[actionId] || {};
}

// An interactive or input element. `labelText` names it for assistive tech when no <label> is drawn.
function renderElement(element, block, ctx, labelText) {
  const blockId = block.block_id;
  const actionId = element.action_id;
  const id = domId(ctx, blockId, actionId);
  const value = currentValue(ctx, blockId, actionId);
  const act = (v) => ctx.onAct(blockId, actionId, v);
  const dispatch = block.type !== "input" || block.dispatch_action;
  const changed = (v) => (dispatch ? act(v) : ctx.onInput(blockId, actionId, v));
  const placeholder = plain(element.placeholder);
  const name = labelText || placeholder || undefined;
  switch (element.type) {
    case "button":
      return el("button", { type: "button", class: "btn " + (element.style || ""), onclick: () => act(null) },
                plain(element.text));
    case "overflow": {
      const menu = el("details", { class: "overflow" }, [el("summary", { "aria-label": "More actions" }, "•••")]);
      const list = el("div", { class: "overflow-menu" });
      for (const option of element.options || []) {
        list.append(el("button", { type: "button", onclick: () => { menu.open = false; act(option.value); } },
                       plain(option.text)));
      }
      menu.append(list);
      return menu;
    }
    case "plain_text_input":
    case "number_input":
    case "email_text_input":
    case "url_text_input": {
      const type = { number_input: "number", email_text_input: "email", url_text_input: "url" }[element.type];
      const attrs = { id, name: id, "data-block": blockId, "data-action": actionId, placeholder,
                      "aria-label": labelText ? undefined : name, class: "text-input",
                      maxlength: element.max_length, onchange: (e) => changed(e.target.value) };
      const node = element.multiline ? el("textarea", { ...attrs, rows: 4 }) : el("input", { ...attrs, type: type || "text" });
      node.value = value.value !== undefined && value.value !== null ? value.value : (element.initial_value || "");
      return node;
    }
    case "static_select":
    case "multi_static_select": {
      const multi = element.type === "multi_static_select";
      const chosen = multi ? (value.selected_options || []).map((o) => o.value)
                           : (value.selected_option ? [value.selected_option.value] : []);
      const select = el("select", { id, multiple: multi, "aria-label": labelText ? undefined : name,
        onchange: (e) => changed(multi ? [...e.target.selectedOptions].map((o) => o.value) : e.target.value) },
        (multi ? [] : [el("option", { value: "", disabled: true, selected: chosen.length === 0 }, placeholder || "Choose…")])
          .concat(optionElements(element, chosen)));
      return select;
    }
    case "users_select":
    case "multi_users_select": {
      const multi = element.type === "multi_users_select";
      const chosen = multi ? (value.selected_users || []) : (value.selected_user ? [value.selected_user] : []);
      const options = (multi ? [] : [el("option", { value: "", disabled: true, selected: chosen.length === 0 },
                                        placeholder || "Choose a person…")])
        .concat(ctx.people.map((p) => el("option", { value: p.id, selected: chosen.includes(p.id) }, p.real_name)));
      return el("select", { id, multiple: multi, "aria-label": labelText ? undefined : name,
        onchange: (e) => changed(multi ? [...e.target.selectedOptions].map((o) => o.value) : e.target.value) },
        options);
    }
    case "datepicker":
      return el("input", { id, type: "date", "aria-label": labelText ? undefined : (name || "Date"),
                           value: value.selected_date || element.initial_date, onchange: (e) => changed(e.target.value) });
    case "timepicker":
      return el("input", { id, type: "time", "aria-label": labelText ? undefined : (name || "Time"),
                           value: value.selected_time || element.initial_time, onchange: (e) => changed(e.target.value) });
    case "checkboxes":
    case "radio_buttons": {
      const radio = element.type === "radio_buttons";
      const chosen = radio ? (value.selected_option ? [value.selected_option.value] : [])
                           : (value.selected_options || element.initial_options || []).map((o) => o.value);
      const group = el("fieldset", { class: "choices", id },
                       labelText ? null : el("legend", { class: "visually-hidden" }, name || "Options"));
      (element.options || []).forEach((option, index) => {
        const optionId = id + "-" + index;
        const input = el("input", { type: radio ? "radio" : "checkbox", id: optionId, name: id, value: option.value,
                                    checked: chosen.includes(option.value) });
        input.addEventListener("change", () => {
          const picked = [...group.querySelectorAll("input:checked")].map((i) => i.value);
          changed(radio ? picked[0] : picked);
        });
        group.append(el("div", { class: "choice" }, [input, el("label", { for: optionId }, plain(option.text))]));
      });
      return group;
    }
    case "file_input": {
      const input = el("input", { id, type: "file", multiple: (element.max_files || 10) > 1,
        accept: (element.filetypes || []).map((t) => "." + t).join(",") || undefined,
        onchange: (e) => ctx.onUpload(blockId, actionId, e.target.files) });
      const names = (value.files || []).map((f) => f.name).join(", ");
      return el("div", { class: "file-input" }, [input, names ? el("div", { class: "hint" }, "Attached: " + names) : null]);
    }
    case "image":
      return el("img", { class: "accessory-image", src: element.image_url, alt: element.alt_text || "" });
    default:
      return el("span", { class: "unsupported" }, "[" + element.type + "]");
  }
}

function renderBlock(block, ctx) {
  const names = ctx.names;
  switch (block.type) {
    case "header":
      return el("h2", { class: "block header" }, plain(block.text));
    case "divider":
      return el("hr", { class: "block divider" });
    case "section": {
      const body = el("div", { class: "section-body" });
      if (block.text) body.append(el("div", { class: "section-text", html: textObjectHtml(block.text, names) }));
      if (block.fields) {
        body.append(el("div", { class: "fields" },
                       block.fields.map((f) => el("div", { class: "field", html: textObjectHtml(f, names) }))));
      }
      const children = [body];
      if (block.accessory) {
        children.push(el("div", { class: "accessory" }, renderElement(block.accessory, block, ctx, null)));
      }
      return el("div", { class: "block section" }, children);
    }
    case "context":
      return el("div", { class: "block context" }, (block.elements || []).map((e) =>
        e.type === "image" ? el("img", { src: e.image_url, alt: e.alt_text || "", class: "context-image" })
                           : el("span", { html: textObjectHtml(e, names) })));
    case "actions":
      return el("div", { class: "block actions" }, (block.elements || []).map((e) => renderElement(e, block, ctx)));
    case "image":
      return el("figure", { class: "block image" }, [
        block.title ? el("figcaption", {}, plain(block.title)) : null,
        el("img", { src: block.image_url, alt: block.alt_text || "" })]);
    case "input": {
      const element = block.element || {};
      const id = domId(ctx, block.block_id, element.action_id);
      const grouped = element.type === "checkboxes" || element.type === "radio_buttons";
      const error = (ctx.errors || {})[block.block_id];
      const label = grouped ? el("legend", { class: "input-label" }, plain(block.label))
                            : el("label", { class: "input-label", for: id }, plain(block.label));
      const control = renderElement(element, block, ctx, plain(block.label));
      if (grouped) control.prepend(label);
      return el("div", { class: "block input" + (error ? " has-error" : "") }, [
        grouped ? null : label,
        block.optional ? el("span", { class: "optional" }, "(optional)") : null,
        control,
        block.hint ? el("div", { class: "hint" }, plain(block.hint)) : null,
        error ? el("div", { class: "input-error", role: "alert" }, error) : null,
      ]);
    }
    case "rich_text":
    case "markdown":
      return el("div", { class: "block section", html: mrkdwnToHtml(block.text || "", names) });
    default:
      return el("div", { class: "block unsupported" }, "[" + block.type + " block]");
  }
}

function renderBlocks(blocks, ctx) {
  return el("div", { class: "blocks" }, (blocks || []).map((b) => renderBlock(b, ctx)));
}
