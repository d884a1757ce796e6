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
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
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

export function time(iso) {
  if (!iso) {
    return '—';
  }
  const d = new Date(iso);
  return h('time', { datetime: iso, title: iso }, d.toLocaleString());
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
  requestAnimationFrame(() => { status.textContent = text; });
}

export function showError(error) {
  const alert = document.getElementById('alert');
  clear(alert);
  if (error) {
    alert.append(h('p', null, error.message || String(error)),
      button('Dismiss', () => clear(alert), { class: 'secondary small' }));
  }
}

/** Runs an action from a button: disables it meanwhile, shows a refusal as a sentence. */
export async function act(btn, action) {
  showError(null);
  btn.disabled = true;
  try {
    return await action();
  } catch (e) {
    showError(e);
    return undefined;
  } finally {
    btn.disabled = false;
  }
}
