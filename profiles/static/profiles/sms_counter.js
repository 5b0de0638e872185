/*
 * Live SMS counter: the same algorithm as profiles/message/segments.py.
 * tests/message/segment_vectors.json is checked against both (Node in pytest, Chromium in the
 * browser test). Works as a browser global (window.SmsCounter) and as a CommonJS module.
 */
(function (root, factory) {
  "use strict";
  const api = factory();
  if (typeof module === "object" && module.exports) {
    module.exports = api;
  } else {
    root.SmsCounter = api;
  }
})(typeof self !== "undefined" ? self : this, function () {
  "use strict";

  // GSM 03.38 default alphabet, index = septet. 0x1B (escape) is not a character: "\u0000" marks it.
  const BASIC =
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\u0000ÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?" +
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
  // Extension table: escape + code, two septets each.
  const EXTENSION = "\f^{}\\[~]|€";

  const basic = new Set(Array.from(BASIC).filter(function (c) { return c !== "\u0000"; }));
  const extension = new Set(Array.from(EXTENSION));

  const LIMITS = { gsm7: [160, 153], ucs2: [70, 67] };
  const DATA_CODING = { gsm7: 0, ucs2: 8 };

  const LOOKALIKES = {
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'", "\u00b4": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u2033": '"', "\u00ab": '"', "\u00bb": '"',
    "\u00a0": " ", "\u2007": " ", "\u2009": " ", "\u202f": " ", "\u200b": "", "\ufeff": "",
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2212": "-",
    "\u2026": "...", "\u2022": "-", "\u00b7": ".", "\t": " ",
  };

  function isGsm7(ch) {
    return basic.has(ch) || extension.has(ch);
  }

  function charUnits(ch, encoding) {
    if (encoding === "gsm7") {
      return extension.has(ch) ? 2 : 1;
    }
    return ch.codePointAt(0) > 0xffff ? 2 : 1;
  }

  function forcingCharacters(text) {
    const seen = new Set();
    const out = [];
    for (const ch of text) {
      if (!isGsm7(ch) && !seen.has(ch)) {
        seen.add(ch);
        out.push(ch);
      }
    }
    return out;
  }

  function replaceLookalikes(text) {
    let out = "";
    for (const ch of text) {
      out += Object.prototype.hasOwnProperty.call(LOOKALIKES, ch) ? LOOKALIKES[ch] : ch;
    }
    return out;
  }

  function segment(text, options) {
    const opts = options || {};
    const forceUcs2 = Boolean(opts.forceUcs2);
    const udh = opts.udh === undefined ? true : Boolean(opts.udh);
    const chars = Array.from(text);
    const forcing = forcingCharacters(text);
    const encoding = forceUcs2 || forcing.length ? "ucs2" : "gsm7";
    const single = LIMITS[encoding][0];
    let perPart = udh ? LIMITS[encoding][1] : single;
    const costs = chars.map(function (ch) { return charUnits(ch, encoding); });
    const units = costs.reduce(function (a, b) { return a + b; }, 0);
    let parts;
    if (!chars.length) {
      parts = [];
    } else if (units <= single) {
      parts = [text];
      perPart = single;
    } else {
      parts = [];
      let current = "";
      let used = 0;
      chars.forEach(function (ch, i) {
        if (used + costs[i] > perPart) {
          parts.push(current);
          current = "";
          used = 0;
        }
        current += ch;
        used += costs[i];
      });
      parts.push(current);
    }
    const lastUnits = parts.length
      ? Array.from(parts[parts.length - 1]).reduce(function (a, ch) { return a + charUnits(ch, encoding); }, 0)
      : 0;
    return {
      encoding: encoding,
      data_coding: DATA_CODING[encoding],
      characters: chars.length,
      units: units,
      parts: parts,
      forcing_ucs2: forcing,
      per_part_limit: perPart,
      udh: udh,
      units_left: parts.length ? perPart - lastUnits : single,
    };
  }

  return {
    BASIC: BASIC,
    EXTENSION: EXTENSION,
    LIMITS: LIMITS,
    LOOKALIKES: LOOKALIKES,
    isGsm7: isGsm7,
    charUnits: charUnits,
    forcingCharacters: forcingCharacters,
    replaceLookalikes: replaceLookalikes,
    segment: segment,
  };
});
