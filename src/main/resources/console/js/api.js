// Every call goes to the public API with the key the operator signed in with, so scopes and workspace isolation
// apply exactly as for any other client. The key lives in this tab's session storage only.
const KEY = 'profilehub.console.key';

export const session = {
  key: () => sessionStorage.getItem(KEY),
  signIn: (key) => sessionStorage.setItem(KEY, key),
  signOut: () => sessionStorage.removeItem(KEY),
};

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

// A segment the URL parser resolves (".." goes up one level, "." stays): "/identify/.." would be sent as "/".
const DOT_SEGMENT = /^(\.|%2e){1,2}$/i;

export async function api(method, path, body) {
  if (path.split('?')[0].split('/').some((segment) => DOT_SEGMENT.test(segment))) {
    throw new ApiError(400, 'Not sent: ' + path.split('?')[0] + ' names a path segment "." or "..", which would '
      + 'reach another endpoint than the one meant.');
  }
  const headers = { Accept: 'application/json, application/problem+json' };
  const key = session.key();
  if (key) {
    headers.Authorization = 'Bearer ' + key;
  }
  // A 308 names the profile an absorbed id was merged into: a read follows it (same origin, so the key goes
  // along) and answers with the survivor, `redirected` telling the page to say so. A change is never sent on to
  // another profile than the one the operator looked at.
  const init = { method, headers, cache: 'no-store', credentials: 'omit',
    redirect: method === 'GET' ? 'follow' : 'manual' };
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(path, init);
  } catch (e) {
    throw new ApiError(0, 'The service could not be reached. Check the connection and try again.');
  }
  if (response.type === 'opaqueredirect') {
    throw new ApiError(308, 'This profile was merged into another one meanwhile; open it again to see where.');
  }
  const text = await response.text();
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch (e) {
    json = null;
  }
  if (!response.ok) {
    throw new ApiError(response.status, sentence(response.status, json));
  }
  return { status: response.status, json, headers: response.headers, redirected: response.redirected };
}

export const get = (path) => api('GET', path).then((r) => r.json);

/** A refusal as a sentence an operator can act on, with the service's own explanation where it gave one. */
function sentence(status, json) {
  const detail = json && typeof json.detail === 'string' ? json.detail : '';
  switch (status) {
    case 401: return 'The API key was not accepted. ' + (detail || 'Sign in again.');
    case 403: return detail || 'This API key is not allowed to do that.';
    case 404: return 'Not found. ' + detail;
    case 429: return 'Too many requests for this API key; wait a moment and try again. ' + detail;
    case 503: return 'The service is unavailable for a moment; try again shortly. ' + detail;
    default: return detail || ('The service answered HTTP ' + status + '.');
  }
}

/**
 * What the signed-in key may do. The service has no "who am I" call, so each scope is asked of an endpoint that
 * needs it, with a request that changes nothing: the scope check answers 403 before anything else happens.
 */
export async function probeScopes() {
  const allowed = async (method, path, body) => {
    try {
      await api(method, path, body);
      return true;
    } catch (e) {
      if (e.status === 401 || e.status === 0) {
        throw e;
      }
      return e.status !== 403;
    }
  };
  // Each probe names an id that cannot exist ("usr_console_scope_probe" is not of the id form): a key with the
  // scope gets a 400 or 404, and nothing is read, written or erased.
  const [read, admin, erase, write, exportScope] = await Promise.all([
    allowed('GET', '/identify?limit=1'),
    allowed('GET', '/admin/api-keys'),
    allowed('GET', '/erasures/usr_console_scope_probe'),
    allowed('POST', '/track/usr_console_scope_probe', {}),
    allowed('GET', '/identify/usr_console_scope_probe/export'),
  ]);
  return { read, admin, erase, write, export: exportScope };
}
