/*
 * Step 3 — Message editor: Meta Data search + Insert at the cursor, language tabs, a live counter
 * per language (SmsCounter, the same algorithm as the server), the UCS-2 warning with lookalike
 * replacement, and a preview rendered with sample values, part boundaries marked.
 */
(function () {
  "use strict";

  const t = typeof window.gettext === "function" ? window.gettext : function (s) { return s; };
  const nt = typeof window.ngettext === "function"
    ? window.ngettext
    : function (one, many, n) { return n === 1 ? one : many; };
  const fmt = typeof window.interpolate === "function"
    ? function (s, obj) { return window.interpolate(s, obj, true); }
    : function (s, obj) { return s.replace(/%\((\w+)\)s/g, function (_, k) { return obj[k]; }); };

  // Same grammar as profiles/message/placeholders.py (only valid placeholders are replaced).
  const PLACEHOLDER = new RegExp(
    "\\{\\{[ \\t]*([a-z][a-z0-9_]*(?:\\.[a-z][a-z0-9_]*)+)[ \\t]*" +
      "(?:\\|[ \\t]*default:(\"(?:[^\"\\\\\\n]|\\\\.)*\"|'(?:[^'\\\\\\n]|\\\\.)*'))?[ \\t]*\\}\\}",
    "g"
  );

  const MAX_NAMED = 8;

  function unquote(quoted) {
    return quoted.slice(1, -1).replace(/\\(.)/g, "$1");
  }

  function renderSample(text, samples) {
    return text.replace(PLACEHOLDER, function (whole, key, fallback) {
      if (Object.prototype.hasOwnProperty.call(samples, key) && samples[key].trim()) {
        return samples[key];
      }
      return fallback ? unquote(fallback) : "";
    });
  }

  function encodingLabel(encoding) {
    return encoding === "gsm7" ? t("GSM 7-bit") : t("UCS-2");
  }

  function describe(split) {
    return [
      fmt(nt("%(count)s character", "%(count)s characters", split.characters), { count: split.characters }),
      encodingLabel(split.encoding),
      fmt(nt("%(count)s part", "%(count)s parts", split.parts.length), { count: split.parts.length }),
    ].join(" · ");
  }

  function codePoint(ch) {
    const hex = ch.codePointAt(0).toString(16).toUpperCase();
    return "U+" + "0000".slice(hex.length) + hex;
  }

  const INVISIBLE = {
    "\u00a0": t("no-break space"),
    "\u202f": t("narrow no-break space"),
    "\u2007": t("figure space"),
    "\u2009": t("thin space"),
    "\u200b": t("zero-width space"),
    "\ufeff": t("zero-width no-break space"),
    "\t": t("tab"),
  };

  function showChar(ch) {
    if (ch in INVISIBLE) {
      return codePoint(ch) + " (" + INVISIBLE[ch] + ")";
    }
    if (/\s/.test(ch) || ch.codePointAt(0) < 0x20) {
      return codePoint(ch);
    }
    return "“\u2068" + ch + "\u2069” " + codePoint(ch);  // isolate RTL letters from the quotes
  }

  function init(root) {
    const config = JSON.parse(document.getElementById(root.dataset.config).textContent);
    const samples = {};
    config.dataObjects.forEach(function (obj) { samples[obj.key] = obj.sample || ""; });
    const options = { forceUcs2: config.forceUcs2, udh: config.udh };
    const tabs = Array.from(root.querySelectorAll(".sms-tab"));
    const panels = Array.from(root.querySelectorAll(".sms-panel"));
    const multilingual = root.querySelector("input[name$='multilingual']");
    const select = root.querySelector("#sms-meta-data");
    const search = root.querySelector("#sms-meta-search");
    let active = config.defaultLanguage;

    function panelFor(code) {
      return panels.find(function (p) { return p.dataset.language === code; });
    }

    function textareaFor(code) {
      return panelFor(code).querySelector("textarea");
    }

    function update(panel) {
      const area = panel.querySelector("textarea");
      const rendered = renderSample(area.value, samples);
      const split = window.SmsCounter.segment(rendered, options);
      panel.querySelector("[data-counter]").textContent = describe(split);
      panel.dataset.encoding = split.encoding;
      panel.dataset.parts = String(split.parts.length);
      const tab = tabs.find(function (x) { return x.dataset.language === panel.dataset.language; });
      if (tab) {
        tab.querySelector("[data-tab-parts]").textContent = split.parts.length
          ? fmt(nt("%(count)s part", "%(count)s parts", split.parts.length), { count: split.parts.length })
          : "";
        tab.classList.toggle("is-ucs2", split.encoding === "ucs2");
        tab.classList.toggle("is-over", split.parts.length > config.maxParts);
      }

      const limit = panel.querySelector("[data-limit-warning]");
      limit.hidden = split.parts.length <= config.maxParts;
      limit.textContent = fmt(
        t("%(parts)s parts with the sample values; this profile allows at most %(limit)s."),
        { parts: split.parts.length, limit: config.maxParts }
      );

      const warning = panel.querySelector("[data-ucs2-warning]");
      const forcing = window.SmsCounter.forcingCharacters(area.value + rendered);
      warning.hidden = config.forceUcs2 || !forcing.length;
      const lookalikes = forcing.filter(function (ch) { return ch in window.SmsCounter.LOOKALIKES; });
      const others = forcing.filter(function (ch) { return !(ch in window.SmsCounter.LOOKALIKES); });
      const named = lookalikes.concat(others).slice(0, MAX_NAMED).map(showChar);
      if (forcing.length > MAX_NAMED) {
        named.push(fmt(t("and %(count)s more"), { count: forcing.length - MAX_NAMED }));
      }
      warning.querySelector("[data-ucs2-text]").textContent = fmt(
        t("These characters are not in the GSM alphabet, so the message is sent as UCS-2 (70 characters in one SMS, 67 per part): %(chars)s."),
        { chars: named.join(", ") }
      );
      warning.querySelector("[data-replace]").hidden = !lookalikes.length;

      const box = panel.querySelector("[data-preview]");
      box.replaceChildren();
      split.parts.forEach(function (part, index) {
        const bubble = document.createElement("div");
        bubble.className = "sms-part";
        const label = document.createElement("span");
        label.className = "sms-part-label";
        label.textContent = fmt(t("Part %(n)s of %(total)s"), { n: index + 1, total: split.parts.length });
        const body = document.createElement("span");
        body.className = "sms-part-text";
        body.textContent = part;
        bubble.append(label, body);
        box.append(bubble);
      });
      if (!split.parts.length) {
        box.textContent = t("Nothing to send yet.");
      }
    }

    function selectTab(code) {
      active = code;
      tabs.forEach(function (tab) {
        const on = tab.dataset.language === code;
        tab.setAttribute("aria-selected", on ? "true" : "false");
        tab.tabIndex = on ? 0 : -1;
      });
      panels.forEach(function (panel) { panel.hidden = panel.dataset.language !== code; });
    }

    function applyMultilingual() {
      const on = !multilingual || multilingual.checked;
      root.classList.toggle("is-multilingual", on);
      tabs.forEach(function (tab) { tab.hidden = !on && tab.dataset.translation === "1"; });
      if (!on) {
        selectTab(config.defaultLanguage);
      }
    }

    function insertPlaceholder() {
      if (!select.value) {
        return;
      }
      const area = textareaFor(active);
      const token = "{{ " + select.value + " }}";
      const start = area.selectionStart;
      const end = area.selectionEnd;
      area.focus();
      area.setRangeText(token, start, end, "end");
      area.dispatchEvent(new Event("input", { bubbles: true }));
    }

    function filterOptions() {
      const needle = search.value.trim().toLowerCase();
      let first = null;
      Array.from(select.options).forEach(function (option) {
        const hit = !needle || option.textContent.toLowerCase().includes(needle);
        option.hidden = !hit;
        if (hit && !first) {
          first = option;
        }
      });
      if (first && select.selectedOptions[0] && select.selectedOptions[0].hidden) {
        select.value = first.value;
      }
    }

    tabs.forEach(function (tab) {
      tab.addEventListener("click", function () { selectTab(tab.dataset.language); });
      tab.addEventListener("keydown", function (event) {
        const visible = tabs.filter(function (x) { return !x.hidden; });
        const index = visible.indexOf(tab);
        const step = { ArrowRight: 1, ArrowLeft: -1 }[event.key];
        if (step) {
          const next = visible[(index + step + visible.length) % visible.length];
          selectTab(next.dataset.language);
          next.focus();
        }
      });
    });
    panels.forEach(function (panel) {
      const area = panel.querySelector("textarea");
      area.addEventListener("input", function () { update(panel); });
      area.addEventListener("focus", function () { active = panel.dataset.language; });
      panel.querySelector("[data-replace]").addEventListener("click", function () {
        area.value = window.SmsCounter.replaceLookalikes(area.value);
        update(panel);
        area.focus();
      });
      update(panel);
    });
    root.querySelector("#sms-insert").addEventListener("click", insertPlaceholder);
    if (search) {
      search.addEventListener("input", filterOptions);
      search.addEventListener("keydown", function (event) {
        if (event.key === "Enter") {
          event.preventDefault();
          insertPlaceholder();
        }
      });
    }
    if (multilingual) {
      multilingual.addEventListener("change", applyMultilingual);
    }
    applyMultilingual();
    const firstError = tabs.find(function (tab) { return tab.classList.contains("has-errors"); });
    selectTab(firstError && !firstError.hidden ? firstError.dataset.language : config.defaultLanguage);
  }

  window.SmsMessageEditor = { renderSample: renderSample };

  function start() {
    document.querySelectorAll(".sms-editor[data-config]").forEach(init);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
