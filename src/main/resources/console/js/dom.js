// The only way the console builds its pages: data always becomes text nodes, never markup. Attributes are set one
// by one with setAttribute, and no attribute ever takes a URL made from data.

export function h(tag, props, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(props || {})) {
    if (value === null || value === undefined || value === false) {
      continue;
    }
    if (name.startsWith('on') && typeof value === 'function') {
      el.addEventListener(name.slice(2), value);
    } else if (name === 'class') {
      el.className = value;
    } else if (name === 'aria-label' || name === 'title') {
      // Read out or shown as a tooltip: spelt out like any text.
      el.setAttribute(name, plain(String(value)));
    } else {
      el.setAttribute(name, value === true ? '' : String(value));
    }
  }
  add(el, children);
  return el;
}

export function add(el, ...children) {
  for (const child of [children].flat(Infinity)) {
    if (child === null || child === undefined || child === false) {
      continue;
    }
    el.append(child instanceof Node ? child : shown(String(child)));
  }
  return el;
}

// Characters that draw nothing or reorder what follows: format characters (Cf: bidi overrides and isolates,
// zero-width spaces and joiners, soft hyphen, BOM, tags), controls other than tab and newline, and the line and
// paragraph separators. Data is shown with each of them spelt out, so `invoice\u202Efdp.exe` cannot pass for
// `invoiceexe.pdf`.
const INVISIBLE = /[\p{Cf}\p{Zl}\p{Zp}\u0000-\u0008\u000B-\u001F\u007F-\u009F]/gu;
const HAS_INVISIBLE = new RegExp(INVISIBLE.source, 'u');

/** The escape an invisible character is shown as: \u202E, or \u{E0041} beyond the first plane. */
export function escapeOf(char) {
  const code = char.codePointAt(0);
  return code > 0xFFFF ? '\\u{' + code.toString(16).toUpperCase() + '}'
    : '\\u' + code.toString(16).toUpperCase().padStart(4, '0');
}

/** Text with every invisible character spelt out as a marked escape (a text node when there is none). */
export function shown(text) {
  if (!HAS_INVISIBLE.test(text)) {
    return document.createTextNode(text);
  }
  const out = document.createDocumentFragment();
  let last = 0;
  for (const m of text.matchAll(INVISIBLE)) {
    if (m.index > last) {
      out.append(document.createTextNode(text.slice(last, m.index)));
    }
    const code = 'U+' + m[0].codePointAt(0).toString(16).toUpperCase().padStart(4, '0');
    const mark = document.createElement('span');
    mark.className = 'invisible-char';
    mark.title = 'invisible character ' + code;
    mark.textContent = escapeOf(m[0]);
    out.append(mark);
    last = m.index + m[0].length;
  }
  if (last < text.length) {
    out.append(document.createTextNode(text.slice(last)));
  }
  return out;
}

/** The same as plain text, for titles, labels and announcements, where no markup can go. */
export function plain(text) {
  return String(text).replace(INVISIBLE, escapeOf);
}

export function clear(el) {
  el.replaceChildren();
  return el;
}

/** A link inside the console; the target is built from a fixed route and encoded ids, never from raw data. */
export function link(route, ...children) {
  return h('a', { href: '#' + route }, ...children);
}

export const profileRoute = (id) => '/profiles/' + encodeURIComponent(id);
export const mergeRoute = (id) => '/merges/' + encodeURIComponent(id);

/**
 * A region that may scroll sideways on a narrow screen (a wide table): reachable and scrollable by keyboard,
 * and named for screen readers.
 */
export function scroller(label, content) {
  return h('div', { class: 'scroll', tabindex: '0', role: 'region', 'aria-label': plain(label) }, content);
}

/** A JSON value as a readable tree of nested lists; strings are shown quoted, exactly as stored. */
export function tree(value) {
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value);
    if (entries.length === 0) {
      return h('span', { class: 'empty' }, Array.isArray(value) ? '[ ]' : '{ }');
    }
    return h('ul', { class: 'tree' }, entries.map(([k, v]) =>
      h('li', null, h('span', { class: 'key' }, k), h('span', { class: 'sep', 'aria-hidden': 'true' }, ': '),
        tree(v))));
  }
  const kind = value === null ? 'null' : typeof value;
  return h('span', { class: 'value ' + kind }, kind === 'string' ? JSON.stringify(value) : String(value));
}

// The operator's own time, with its zone named, so a time read out to someone elsewhere is not off by hours.
const TIME = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
const ZONE = new Intl.DateTimeFormat(undefined, { timeZoneName: 'short' });

export function time(iso) {
  if (!iso) {
    return '—';
  }
  const d = new Date(iso);
  const zone = ZONE.formatToParts(d).find((p) => p.type === 'timeZoneName');
  return h('time', { datetime: iso, title: iso }, TIME.format(d) + (zone ? ' ' + zone.value : ''));
}

export function ago(seconds) {
  if (seconds === null || seconds === undefined) {
    return '—';
  }
  if (seconds < 90) {
    return Math.round(seconds) + ' s';
  }
  if (seconds < 5400) {
    return Math.round(seconds / 60) + ' min';
  }
  return (seconds / 3600).toFixed(1) + ' h';
}

/** A definition list from [label, value] pairs. */
export function facts(pairs, className) {
  return h('dl', { class: 'facts ' + (className || '') },
    pairs.filter(Boolean).map(([label, value]) => [h('dt', null, label), h('dd', null, value)]));
}

export function button(label, onclick, props) {
  return h('button', Object.assign({ type: 'button', onclick }, props || {}), label);
}

let dialogCount = 0;

/**
 * A modal confirmation. Resolves with the form's values when confirmed, null when cancelled (Escape included).
 * `fields` are extra controls inside the form (a checkbox, say).
 */
export function confirmDialog({ title, body, confirmLabel, danger, fields }) {
  return new Promise((resolve) => {
    const id = 'dialog-title-' + (++dialogCount);
    const form = h('form', { method: 'dialog' },
      h('h2', { id }, title),
      add(h('div', { class: 'dialog-body' }), body),
      fields || null,
      h('div', { class: 'actions' },
        h('button', { type: 'submit', value: 'cancel', class: 'secondary' }, 'Cancel'),
        h('button', { type: 'submit', value: 'ok', class: danger ? 'danger' : 'primary', 'data-confirm': '' },
          confirmLabel)));
    const dialog = h('dialog', { 'aria-labelledby': id }, form);
    document.body.append(dialog);
    dialog.addEventListener('close', () => {
      const ok = dialog.returnValue === 'ok';
      const values = ok ? Object.fromEntries(new FormData(form).entries()) : null;
      dialog.remove();
      resolve(values);
    });
    dialog.showModal();
    form.querySelector('button[value="cancel"]').focus();
  });
}

export function say(text) {
  const status = document.getElementById('status');
  status.textContent = '';
  // A change of text is what screen readers announce; set it on the next frame so a repeat is announced too.
  requestAnimationFrame(() => { status.textContent = plain(text); });
}

export function showError(error) {
  const alert = document.getElementById('alert');
  clear(alert);
  if (error) {
    alert.append(h('p', null, error.message || String(error)),
      button('Dismiss', () => clear(alert), { class: 'secondary small' }));
  }
}

/**
 * Runs an action from a button: marks it busy meanwhile (a second press does nothing), shows a refusal as a
 * sentence. Busy, not disabled: a disabled button loses the keyboard focus, and the operator their place.
 */
export async function act(btn, action) {
  if (btn.getAttribute('aria-disabled') === 'true') {
    return undefined;
  }
  showError(null);
  btn.setAttribute('aria-disabled', 'true');
  try {
    return await action();
  } catch (e) {
    showError(e);
    return undefined;
  } finally {
    btn.removeAttribute('aria-disabled');
  }
}
