(function (window, document, config) {
  /* Dialtrail insertion script (docs/design.md §2–§3). Goals, in priority order:
     1. never break the host page: every entry point is guarded, nothing throws into the site;
     2. never lose the visitor's values: send at once, re-read while the page is open (whether or
        not the visitor touches it), flush on intent to call and on pagehide;
     3. small: 6 KB gzipped at most, hence short messages;
     4. fast: 2 ms of main-thread time per page view at most; between events, a read of the
        expressions every few seconds (about 0.1 ms for 20) and nothing else;
     5. debuggable: dialtrail.entities(), .session(), .check(), and #dialtrail-debug.
     The server injects `config`, with each entity already parsed; without it (null) only the
     console API is defined. The expression parser is in check.js, fetched on demand. */
  'use strict';

  let debugging = false;
  const log = (...args) => {
    if (debugging) try { console.log('[dialtrail]', ...args); } catch (e) {}
  };
  const guard = (fn) => function () {
    try { return fn.apply(this, arguments); } catch (e) { log('error', e); }
  };
  const has = Object.hasOwn;
  const describe = (error) => {
    try { return String(error?.message || error); } catch (e) { return 'error'; }
  };
  // A failed read; a class, so that an error thrown by the site is never mistaken for one.
  function Problem(kind, error) { this.kind = kind; this.error = error; }

  /* ---- Reading values. Readers return raw values; normalise() makes them the text the server
     stores (docs/design.md §2): a string, null when empty, undefined when a path is not set (yet). */

  // Reading document.cookie is a synchronous call into the browser's cookie store (most of a
  // millisecond in Chromium, and more after any write): it is read once per task, and a write
  // of ours is added to what was read rather than read again.
  // Before consent (free, below) no cookie and no storage is read, the entities' reads included.
  let cookieJar = null;
  function readCookie(name) {
    if (!free) return null;
    if (cookieJar == null) {
      try { cookieJar = document.cookie; } catch (e) { cookieJar = ''; } // a sandboxed frame refuses it
      Promise.resolve().then(() => cookieJar = null);
    }
    for (const part of cookieJar.split('; ')) if (part.startsWith(name + '=')) return part.slice(name.length + 1);
    return null;
  }

  // Before consent (consent() below) nothing is stored; a max-age of 0 deletes, which is always allowed.
  const writeCookie = (name, value, seconds) => {
    if (seconds && !free) return;
    if (cookieJar != null) cookieJar = name + '=' + value + '; ' + cookieJar; // found first
    try {
      document.cookie = name + '=' + value + '; path=/; max-age=' + seconds + '; SameSite=Lax' +
        (location.protocol == 'https:' ? '; Secure' : '');
    } catch (e) {}
  };

  const readStorage = (kind, key) => {
    try { return free ? window[kind].getItem(key) : null; } catch (e) { return null; } // Safari private mode, a sandboxed frame
  };

  const select = (selector) => {
    try { return document.querySelector(selector); } catch (e) { throw new Problem('selector', describe(e)); }
  };

  const READERS = {
    cookie: (name) => {
      const value = readCookie(name);
      try { return value && decodeURIComponent(value); } catch (e) { return value; }
    },
    query: (name) => new URLSearchParams(location.search).get(name),
    storage: (key) => readStorage('localStorage', key),
    session_storage: (key) => readStorage('sessionStorage', key),
    datalayer: (key) => { // the most recent push that has the key
      const layer = window.dataLayer;
      const found = Array.isArray(layer) ? layer.findLast((push) => push && typeof push == 'object' && has(push, key)) : 0;
      if (found) return found[key];
    },
    text: (selector) => (selector = select(selector)) && selector.textContent,
    attr: (selector, name) => (selector = select(selector)) && selector.getAttribute(name),
    meta: (name) => {
      // A live collection, kept by the browser between reads: querySelectorAll('meta') is
      // shorter, but cost 100 µs a read against 8 µs on a page of 9,000 elements.
      for (const tag of document.getElementsByTagName('meta')) {
        // .name and .content are '' when absent: names are never empty, and '' reads as null.
        if (tag.name == name || tag.getAttribute('property') == name) return tag.content;
      }
    }
  };

  function normalise(value) {
    const type = typeof value;
    if (type == 'string') return value.trim() || null; // trim() scans the ends only: cheap on 10 MB
    if (type == 'number') return isFinite(value) ? '' + value : null;
    if (type == 'boolean') return '' + value;
    if (!value || type != 'object') return value === undefined ? value : null;
    return JSON.stringify(value) || null; // a cycle throws; evaluate() reports it (the browser's message says JSON)
  }

  function readPath(path) {
    let value = window;
    for (let i = 0; i < path.length; i++) {
      if (value == null) return;
      try { value = value[path[i]]; } catch (e) { // a throwing getter, a hostile Proxy
        throw new Problem('exception', path.slice(0, i + 1).join('.') + ' threw ' + describe(e));
      }
    }
    return value;
  }

  // Compiled once per AST node (an entity keeps its AST): the function, or the error compiling gave.
  function runJs(node) {
    let compiled = node.compiled;
    if (!compiled) {
      // Statements, such as js:return document.title, when it is no expression. A CSP that
      // refuses the first refuses the second too.
      try {
        try { compiled = new Function('return (' + node.js + '\n)'); } catch (e) { compiled = new Function(node.js); }
      } catch (e) { compiled = e; }
      node.compiled = compiled;
    }
    // A Content-Security-Policy without 'unsafe-eval' makes new Function throw an EvalError.
    if (typeof compiled != 'function') throw new Problem(compiled.name == 'EvalError' ? 'csp' : 'js', describe(compiled));
    return compiled.call(window);
  }

  // A value, null when empty, or undefined while the paths it reads are not set (yet): an
  // expression stays undefined while every option of its || is.
  function evaluate(node, errors) {
    try {
      if (node.either) {
        let empty;
        for (const option of node.either) {
          const value = evaluate(option, errors);
          if (value != null) return value;
          if (value === null) empty = null;
        }
        return empty;
      }
      if (node.call == 'match') {
        // Compiled once per AST node, by wellFormed() when it checked that the pattern compiles.
        const searched = evaluate(node.args[0], errors);
        if (searched == null) return searched;
        const found = (node.regex ||= new RegExp(node.args[1].literal)).exec(searched);
        return found ? normalise(found[+(found.length > 1)]) : null;
      }
      return normalise(node.path ? readPath(node.path) : node.js ? runJs(node)
        : node.call ? READERS[node.call](...node.args.map((arg) => arg.literal)) : node.literal);
    } catch (e) {
      errors.push(e instanceof Problem ? e : new Problem('exception', describe(e))); // the next option of || still runs
      return null;
    }
  }

  /* ---- The entities' parsed forms. The server parses each value when it is saved and sends the
     parsed form (entities/expressions.py, Node.to_json) in the configuration, so this script
     carries no parser (check.js, fetched on demand, has it; see the console API below). A form
     is checked before it is used: a stale or damaged configuration makes a `parse` error of
     that entity, never a throw. */

  const isLiteral = (node) => Object.keys(node) + '' == 'literal' && typeof node.literal == 'string';

  // Shapes and types as the server builds them; a reader's arguments are literals, as many as
  // the reader function takes (READERS[name].length); match() takes a value and a pattern this
  // browser compiles. Far deeper than the server's 32 levels of parentheses is refused.
  function wellFormed(node, rawJs, depth) {
    const shape = Object.keys(node) + '', args = node.args, deeper = (child) => wellFormed(child, rawJs, depth + 1);
    return depth < 64 && (shape == 'literal' ? isLiteral(node)
      : shape == 'path' ? node.path.length && node.path.every((part, i) => typeof part == 'string' || i && Number.isInteger(part) && part >= 0)
      : shape == 'js' ? rawJs && typeof node.js == 'string'
      : shape == 'either' ? node.either.every(deeper)
      : shape == 'call,args' && (node.call == 'match'
        ? args.length == 2 && deeper(args[0]) && isLiteral(args[1]) && (node.regex = new RegExp(args[1].literal))
        : has(READERS, node.call) && args.length == READERS[node.call].length && args.every(isLiteral)));
  }

  /* ---- This visit */

  const setting = (name, fallback) => +config?.[name] || fallback;
  /* Consent (docs/design.md §3). `mode`: none (not required), 'required' (nothing set, read or
     sent before consent) or 'cookieless' (before consent no cookie is read or written: the ids
     live in this page's memory, so each page load is a visit of its own that still gets a
     number; on consent they are written to the cookies, and the visit goes on from there). */
  const mode = config?.consent;
  // Cookies are free to use; events may be sent. Changed by consent(), from the site or Google Consent Mode.
  let free = !mode, sends = mode != 'required';
  const maxLength = setting('max_value_length', 1000), timeout = setting('session_timeout', 1800);
  const retryMs = setting('simple_retry_ms', 5000);
  let entities = [], sent = {}, number = null, visitor = null, session = null, lastActivity = 0;
  let pageView = null, pageUrl = '', pageReferrer = '', lastInteraction = 0, pageViewStarted = 0;
  let errorLog = [], errorsSent = 0, errorCounts = {}, pageErrors = 0, errorTimer, changeTimer;
  const samePage = () => location.href.split('#')[0] == pageUrl.split('#')[0]; // a #fragment is no page view
  const cookieId = (value) => /^[\w-]{16,64}$/.test(value) ? value : null;

  function newId() { // 22 characters of [A-Za-z0-9_-]: base64url of 132 random bits
    const bytes = new Uint8Array(18).map(() => Math.random() * 256); // without crypto (a sandbox, a site)
    try { crypto.getRandomValues(bytes); } catch (e) {}
    return btoa(String.fromCharCode(...bytes)).slice(0, 22).replace(/\+/g, '-').replace(/\//g, '_');
  }

  // The session cookie: id, last activity, and the session's number without its + (so that a
  // page shows it at once, before the page view's answer comes back).
  const writeSession = () => writeCookie('_dt_s', session + '.' + lastActivity + (number ? '.' + number.slice(1) : ''), timeout);

  // Renews the session cookie; true when a new session starts. Date.now() decides, not the
  // cookie's expiry alone: a page left open for hours starts a new session when used again.
  function touchSession() {
    const now = Date.now(), [id, at, digits] = (readCookie('_dt_s') || '').split('.');
    if (cookieId(id)) { // other tabs of the visit renew it too
      if (id != session) number = /^\d{6,15}$/.test(digits) ? '+' + digits : null;
      session = id, lastActivity = +at || 0;
    }
    const isNew = !session || now - lastActivity > timeout * 1000;
    if (isNew) session = newId(), number = null;
    lastActivity = now;
    writeSession();
    return isNew;
  }

  /* ---- Entity errors: reported to the server, rate-limited, batched */

  function report(entity, kind, message) {
    log('error', entity, kind, message);
    if ((errorCounts[entity] = (errorCounts[entity] || 0) + 1) > 3 || ++pageErrors > 20) return;
    errorLog.push({entity, kind, message: message.slice(0, 300)});
    clearTimeout(errorTimer);
    errorTimer = setTimeout(guard(flushErrors), 1000);
  }

  function flushErrors() {
    if (errorLog.length > errorsSent) send('errors', ids({url: pageUrl.slice(0, 1000), errors: errorLog.slice(errorsSent)}));
    errorsSent = errorLog.length;
  }

  /* ---- Entities */

  function readEntity(entity) {
    const errors = [], value = evaluate(entity.ast, errors);
    errors.forEach((error) => report(entity.name, error.kind, error.error));
    log('read', entity.name, value);
    return value;
  }

  // Empty is null; an over-long value is cut (never between the halves of a surrogate pair).
  const clip = (value) => value == null ? null
    : value.length > maxLength ? value.slice(0, maxLength).replace(/[\ud800-\udbff]$/, '') : value;

  // Reads the entities of `list` that wanted(entity, raw read, clipped value) keeps into the
  // values of a message, with the names of those cut to max_value_length.
  function collect(list, wanted) {
    const values = {}, truncated = [];
    for (const entity of list) {
      if (!entity.ast) continue;
      const raw = readEntity(entity), value = clip(raw);
      if (!wanted(entity, raw, value)) continue;
      values[entity.name] = value;
      if (raw && value != raw) truncated.push(entity.name);
    }
    return {values, truncated};
  }

  // The expressions whose value changed since it was last sent.
  const changes = () => collect(entities.filter((entity) => entity.type == 'expression'), (entity, raw, value) => {
    if (value === sent[entity.name]) return false;
    sent[entity.name] = value;
    return true;
  });

  /* ---- Numbers (docs/design.md §4): the session's tracking number in place of the site's numbers.
     The server sends each site number as its parts, {cc: "380", trunk: "0", nsn: "441112233"}
     (country calling code, national prefix, national significant number), so that every
     spelling is found by its digits: +38 (044) 111-22-33, 044 111 22 33, 0441112233. */

  // Between two digits: "+38 (044) 111-22-33". At most three, but that is checked on what is
  // found (farApart, numbersIn): a bounded {0,3} in the pattern made the two site numbers' cost
  // most of a millisecond to compile on every page, even with the bound in the prefix alone.
  const SEPARATORS = '[-\\s().]*';
  const farApart = (found) => /[-\s().]{4}/.test(found); // undefined: no separator
  const spelled = (digits) => digits.split('').join(SEPARATORS);
  // The parts now on the page; [pattern, site number]; the numbers respelled() found, for swapIn.
  let shown = null, targets = [], observer, wholeInNodes;

  // "+380449998877" → its parts, in the country of the site number that has its calling code.
  function parts(e164) {
    const digits = e164.slice(1), site = config.numbers.find((site) => digits.startsWith(site.cc)) || {cc: '', trunk: ''};
    return {...site, nsn: digits.slice(site.cc.length)};
  }

  // Any spelling: international (+ or 00) or national (with or without the trunk prefix, the
  // first group), but never a part of a longer run of digits.
  const pattern = (number) => [new RegExp('(?<![\\d+])((?:(?:\\+|00)' + SEPARATORS + spelled(number.cc) +
    (number.trunk && '|' + spelled(number.trunk)) + ')' + SEPARATORS + ')?' + spelled(number.nsn) + '(?!\\d)', 'g'), number];

  // The matches of a site number's pattern in `text` that are spelled as numbers are: at most
  // three separators in a row. When the four are in or after the prefix, the number may still
  // start later in the match ("+38\n        (044) 111-22-33" holds "(044) 111-22-33"): the search
  // goes on from the match's second character, the lookbehind still seeing the whole text.
  function numbersIn(text, regex) {
    const list = []; // lastIndex is 0: the last exec found nothing
    for (let found; (found = regex.exec(text));) {
      if (farApart(found[1])) regex.lastIndex = found.index + 1;
      else if (!farApart(found[0])) list.push(found);
    }
    return list;
  }

  // At most how many numbers a text holds: the site numbers' digits, in a row and apart from
  // each other, once all but its digits are dropped (so also where elements' texts join up,
  // <td>…33</td><td>24). Every number, whole in a text node or split across elements, is one.
  const atMost = (text) => targets.reduce((count, [, site]) => count + text.replace(/\D/g, '').split(site.nsn).length - 1, 0);

  // The page's spelling `found` of `site` with the digits of the shown number put in place of
  // its own one by one, so spaces, brackets and dashes stay; extra digits follow the last one.
  // A shorter number, or one of another country, is written plainly: +380449998877.
  function respell(found, site) {
    const digits = found.replace(/\D/g, ''), wanted = digits.slice(0, -site.nsn.length) + shown.nsn;
    let i = 0;
    return shown.cc != site.cc || wanted.length < digits.length ? '+' + shown.cc + shown.nsn
      : found.replace(/\d/g, () => ++i < digits.length ? wanted[i - 1] : wanted.slice(i - 1));
  }

  const respelled = (text) => targets.reduce((text, [regex, site]) => {
    for (const found of numbersIn(text, regex).reverse()) { // from the end: earlier offsets hold
      wholeInNodes++;
      text = text.slice(0, found.index) + respell(found[0], site) + text.slice(found.index + found[0].length);
    }
    return text;
  }, text);
  // Never in code, form fields or what the visitor edits.
  const untouchable = (element) => !element || element.closest('script,style,textarea,select,noscript,template') || element.isContentEditable;

  function swapText(node) {
    const text = respelled(node.data);
    if (text != node.data && !untouchable(node.parentElement)) node.data = text;
  }

  // data-dialtrail-number="+## (###) ###-##-##": the number in the site's format, each # a digit
  // (international digits after a +, national ones otherwise), or +E.164 when the count differs.
  function fill(element, format) {
    const e164 = '+' + shown.cc + shown.nsn, digits = format[0] == '+' ? e164.slice(1) : shown.trunk + shown.nsn;
    let i = 0;
    format = format.split('#').length - 1 == digits.length ? format.replace(/#/g, () => digits[i++]) : e164;
    if (element.textContent != format) element.textContent = format;
    if (element.tagName == 'A') element.href = 'tel:' + e164;
  }

  /* A number split across elements (<p><span>+1 (212)</span> 555-0142</p>, a tel: link with a
     bold part) is found from one of its parts: the nearest ancestor whose text holds it whole,
     up to 4 levels, below <body>. Only short texts (100 characters) are read, so a long
     container is never rewritten for digits that merely follow each other in it. `seen` holds
     the nodes read in this pass: the climb from another part (or another added node) stops
     there, so each is read once, however many nodes the page has. */
  function swapAround(node, seen) {
    for (let i = 0; i < 5 && node && node != document.body && !seen.has(node); i++, node = node.parentElement) {
      const text = seen.add(node) && node.textContent;
      if (text.length > 100 || !/\d/.test(text)) return;
      if (targets.some(([regex]) => text.search(regex) >= 0)) return swapWithin(node);
    }
  }

  // Matches in the combined text of the holder's text nodes, from the end (earlier offsets hold).
  function swapWithin(holder) {
    const walker = document.createTreeWalker(holder, 4), nodes = []; // NodeFilter.SHOW_TEXT
    for (let node; (node = walker.nextNode());) nodes.push(node);
    for (const [regex, site] of targets) {
      let text = '', k = nodes.length - 1, m;
      const starts = nodes.map((node) => (text += node.data).length - node.data.length);
      for (const found of numbersIn(text, regex).reverse()) {
        const start = found.index, end = start + found[0].length;
        while (starts[k] >= end) k--; // m: the node where the match ends, k: where it starts
        m = k;
        while (starts[k] > start) k--;
        const parts = nodes.slice(k, m + 1); // a match in one node is swapText's
        if (m > k && !parts.some((node) => untouchable(node.parentElement))) swapParts(parts, start - starts[k], end - starts[m], found[0], site);
      }
    }
  }

  // Each node keeps its part of the page's spelling, with the new digits (a longer number's extra
  // digits go to the last part); a plain +E.164 spelling goes to the first. The match runs from
  // `from` in the first node to `to` in the last.
  function swapParts(parts, from, to, found, site) {
    const spelling = respell(found, site), plain = spelling.replace(/\d/g, '') != found.replace(/\d/g, '');
    let taken = 0;
    parts.forEach((node, n) => {
      const data = node.data, last = n == parts.length - 1, cut = last ? to : data.length;
      const until = last || plain ? 1e9 : taken + cut - from;
      node.data = data.slice(0, from) + spelling.slice(taken, until) + data.slice(cut);
      taken = until, from = 0;
    });
  }

  function swapIn(root) {
    if (untouchable(root)) return;
    // One search of the whole text first: most added content has no number in it. Then only
    // texts with a digit are searched (each part of a split number has one): most have none.
    // When every number the whole text may hold was whole in a text node, none is split across
    // elements: the climb from each text with a digit (most of the cost) is skipped.
    const most = atMost(root.textContent);
    if (most) {
      const walker = document.createTreeWalker(root, 4), nodes = [], seen = new Set(); // NodeFilter.SHOW_TEXT
      wholeInNodes = 0;
      for (let node; (node = walker.nextNode());) if (/\d/.test(node.data)) swapText(node), nodes.push(node);
      if (wholeInNodes < most) for (const node of nodes) swapAround(node, seen); // numbers split across elements
    }
    for (const element of [root, ...root.querySelectorAll('[href^="tel:"],[data-dialtrail-number]')]) {
      const format = element.getAttribute('data-dialtrail-number'), href = element.getAttribute('href') || '';
      if (untouchable(element)) continue;
      if (format != null) fill(element, format);
      else if (href.startsWith('tel:') && respelled(href) != href) element.setAttribute('href', respelled(href));
    }
  }

  const onMutations = guard((records) => {
    // The page is as it ends up: a node added inside one handled before was handled with it
    // (3,000 elements nested one by one are one walk, not 3,000).
    const seen = new Set(), done = new Set();
    for (const record of records) {
      for (const node of record.type == 'characterData' ? [record.target] : record.addedNodes) {
        if (!done.has(node.parentNode)) {
          node.nodeType == 1 ? swapIn(node) : swapText(node);
          swapAround(node, seen); // a part of a split number whose rest was there before
        }
        done.add(node);
      }
    }
    observer.takeRecords(); // the changes just made: nothing in them to swap
  });

  // Puts the session's number on the page and keeps it there (content added later: popups, SPA
  // views). With no number, the site's numbers stay; a number shown before (the session's, from
  // the cookie) gives way to the first site number.
  function show() {
    const goal = number ? parts(number) : shown && config.numbers[0];
    if (!goal || !document.body) return;
    targets = config.numbers.concat(shown || []).map(pattern);
    shown = goal;
    swapIn(document.body);
    (observer ||= new MutationObserver(onMutations)).disconnect();
    if (number) observer.observe(document.body, {childList: true, subtree: true, characterData: true});
    else shown = null;
  }

  /* ---- Transport: JSON as text/plain and no custom header, so no CORS preflight */

  const LIMIT = 7900; // bytes; the collector refuses bodies over 8,192
  // UTF-8 bytes of JSON: once per send, and once more per value given away (a Blob per value
  // cost milliseconds of every page view).
  const size = (value) => new TextEncoder().encode(JSON.stringify(value)).length;
  let pageViewBody; // sent again when a ping finds its session unknown

  // One event; a failure that may pass (the network, 429, 5xx) is tried again after 1, 3, 9
  // and 27 seconds (page views are idempotent by id). A ping whose session the server does not
  // know (its page view was lost) sends the page view again first, then itself once more.
  function post(kind, body, attempt) {
    if (!sends) return Promise.reject(); // withdrawn, retries included
    const later = (why) => attempt < 4 ? new Promise((resolve) => setTimeout(resolve, 1000 * 3 ** attempt))
      .then(() => post(kind, body, attempt + 1)) : Promise.reject(why);
    log('send', kind, body);
    return fetch(config.endpoint + '/' + kind, {method: 'POST', body: JSON.stringify(body), keepalive: true, credentials: 'omit'})
      .then((response) => {
        const status = response.status;
        if (status == 200) return response.json();
        if (status == 404 && kind == 'ping' && attempt < 5) return post('pageview', pageViewBody, 0).then(() => post(kind, body, 5));
        if (status == 429 || status > 499) return later(status);
        if (status > 299) throw status;
      }, later);
  }

  // A body over the collector's cap gives values away, each to a ping of its own sent once this
  // event is stored, so a few long values never cost the whole event a 413.
  function send(kind, body) {
    const rest = [];
    let over = size(body) - LIMIT;
    for (const name in body.values) {
      if (over <= 0) break;
      const given = {[name]: body.values[name]};
      over -= size(given); // the body loses as many bytes, less one
      rest.push(ids({values: given, truncated: body.truncated}));
      delete body.values[name];
    }
    if (kind == 'pageview') pageViewBody = body;
    return post(kind, body, 0).then((answer) => {
      rest.map((part) => send('ping', part));
      return answer;
    }).catch((e) => log('send failed', kind, e));
  }

  const ids = (body, read) => ({visitor, session, page_view: pageView, ...body, ...read});
  const ping = (read) => send('ping', ids(analytics({at: Date.now()}), read));

  // The analytics tools' ids, so a call can be sent to them as part of this visit: the _ga
  // client id (parsed by the server); GA4's session id and number from _ga_<stream>, written
  // "GS1.1.<id>.<number>.…" or, since 2025, "GS2.1.s<id>$o<number>$…"; Matomo's visitor id,
  // the 16 hex digits that start _pk_id.<site>.<hash>. A site with several streams or Matomo
  // sites has several such cookies: the configuration names the stream (ga4) and the site
  // (pk) the integrations send to; without one the first cookie is read. Only well-formed ids
  // are sent (the collector refuses others, which would cost the page view). None before
  // consent to read cookies (readCookie reads nothing then, and the jar stays empty).
  function analytics(body) {
    if (!free) return body;
    body.ga = readCookie('_ga');
    const ga4 = RegExp('\\b_ga_' + (config.ga4 || '\\w+') + /=GS[12]\.\d\.s?([1-9]\d{0,18})[.$]o?([1-9]\d{0,8})(?!\d)/.source).exec(cookieJar);
    const matomo = RegExp('\\b_pk_id\\.' + (config.pk || '\\d+') + /\.\w+=([\da-f]{16})\./.source).exec(cookieJar);
    if (ga4) body.ga_session_id = ga4[1], body.ga_session_number = +ga4[2];
    if (matomo) body.matomo_visitor_id = matomo[1];
    return body;
  }

  function sendChanges() {
    const read = changes();
    if (Object.keys(read.values).length) ping(read);
  }
  const guardedChanges = guard(sendChanges);

  function startPageView(referrer, newSession) {
    flushErrors(); // earlier errors belong to the previous page view
    const pending = [];
    pageView = newId();
    pageUrl = location.href;
    pageReferrer = referrer;
    errorCounts = {}, pageErrors = 0; // the limits are per page view, SPA navigations included
    const stored = cookieId(readCookie('_dt_v'));
    visitor = stored || visitor || newId();
    if (newSession || stored != visitor) writeCookie('_dt_v', visitor, 63072000); // two years from the session's start
    for (const entity of entities) if (!entity.ast) report(entity.name, 'parse', entity.error);
    const read = collect(entities, (entity, raw, value) => {
      if (value == null && (raw === undefined || entity.type == 'simple')) pending.push(entity);
      sent[entity.name] = value;
      return true;
    });
    pageViewStarted = Date.now();
    // Cut to the collector's limits: a refused page view would lose every value.
    send('pageview', ids(analytics({new_session: newSession, url: pageUrl.slice(0, 4096),
      title: document.title.slice(0, 2000), referrer: referrer.slice(0, 4096), at: Date.now()}), read)).then(guard((answer) => {
      if (!answer || !('number' in answer)) return;
      const given = /^\+\d{6,15}$/.test(answer.number) ? answer.number : null;
      log('number', given);
      // The number on the page already (from the cookie, or an SPA's previous page view) stays
      // there by itself (the observer): no cookie write, no new walk of the page.
      if (given != number) number = given, writeSession(), show();
    }));
    if (pending.length) readLate(pending, pageView, Date.now() + retryMs);
  }

  // Sites often set their variables late: a simple entity still empty, or an expression still
  // undefined (its paths unset), is read again every 250 ms until the page has loaded and
  // simple_retry_ms has passed, and sent as soon as it has a value. One still undefined then is
  // reported, since its path is probably wrong. An expression that is merely empty (a cookie or
  // parameter not there) is left to the watch below: reading it four times a second for
  // seconds, cookies and all, cost more main-thread time than the page view itself.
  function readLate(pending, forPageView, deadline) {
    setTimeout(guard(() => {
      if (forPageView != pageView) return; // a newer page view reads its own values
      const waiting = [];
      if (document.readyState != 'complete') deadline = Date.now() + retryMs; // not before load
      const read = collect(pending, (entity, raw, value) => {
        if (value != null) { // sent already when the watch below saw it first
          const changed = value !== sent[entity.name];
          sent[entity.name] = value;
          return changed;
        }
        if (Date.now() < deadline) waiting.push(entity);
        else if (raw === undefined) report(entity.name, 'undefined', 'still undefined ' + retryMs / 1e3 + ' s after load');
      });
      if (Object.keys(read.values).length) ping(read);
      if (waiting.length) readLate(waiting, forPageView, deadline);
    }), 250);
  }

  // Expressions are read again while the page is visible: every 2 s in the first two minutes of
  // a page view, then every 10 s. A changed value goes out at once, in one ping, whether or not
  // the visitor interacts: a reader who dials without touching the page still brings the page's
  // current values to the call. Nothing is sent while nothing changes.
  const watch = () => setTimeout(() => {
    watch();
    if (document.visibilityState != 'hidden') guardedChanges();
  }, Date.now() - pageViewStarted < 12e4 ? 2e3 : 1e4);

  // Intent to call: a click or tap on a tel: link or on what shows the number, or a copy of the
  // number. The changed values go out at once, with a ping that renews the number's lease.
  const showsNumber = (text) => !!shown && text.length < 200 && text.replace(/\D/g, '').includes(shown.nsn);
  const onIntent = guard((event) => {
    const target = event.target;
    if (event.type == 'copy' ? showsNumber('' + getSelection())
      : target.closest && (target.closest('[href^="tel:"],[data-dialtrail-number]') || showsNumber(target.textContent))) {
      ping(changes()), flushErrors();
    }
  });

  function navigate() {
    if (!samePage()) startPageView(pageUrl, touchSession()); // the referrer is the previous URL
  }

  // Later, after the router's own work; this also coalesces a redirect or a burst of pushes.
  const guardedNavigate = guard(navigate), afterNavigation = guard(() => setTimeout(guardedNavigate));
  const afterPush = guard(() => {
    clearTimeout(changeTimer);
    changeTimer = setTimeout(guard(() => {
      readGoogleConsent();
      if (pageView) sendChanges(); // never before the page view: required consent may still be due
    }));
  });

  // Replaces object[name] with a wrapper that calls the site's function first, with its own this
  // and arguments, and returns its result; the site's errors stay its own, and `after` (guarded)
  // never throws into the site. A function already wrapped is left alone. Assigning the wrapper
  // may throw (a non-writable property): then there is none.
  const wrapMethod = guard((object, name, after) => {
    const original = object[name];
    if (typeof original != 'function' || original.dialtrail) return;
    const wrapped = function () {
      const result = original.apply(this, arguments);
      after();
      return result;
    };
    wrapped.dialtrail = true;
    object[name] = wrapped;
  });

  // A dataLayer created, or replaced by a tag manager, after this script is wrapped on the next tick.
  const wrapDataLayer = guard(() => { // guarded: the site's dataLayer may be a throwing getter
    const layer = window.dataLayer;
    if (Array.isArray(layer)) wrapMethod(layer, 'push', afterPush);
  });

  // Google Consent Mode v2: gtag('consent', 'default' | 'update', {analytics_storage: …}) pushes
  // its arguments to dataLayer. Updates win; a default after an update is ignored; of several
  // defaults (one per region, say), any 'denied' wins, as the visitor's region is unknown here.
  // Read on load, after each push and at each tick; consent() follows a change only.
  let googleConsent;
  function readGoogleConsent() {
    wrapDataLayer();
    let granted, updated;
    const layer = window.dataLayer;
    if (mode && Array.isArray(layer)) for (const command of layer) {
      const value = command?.[0] == 'consent' && command[2]?.analytics_storage, update = command[1] == 'update';
      if (value && (update || !updated)) granted = value == 'granted' && (update || granted !== false), updated ||= update;
    }
    if (granted != googleConsent) googleConsent = granted, api.consent(granted);
    begin();
  }

  // Starts once the document is parsed (text(), attr() and meta() need it) and sending is allowed.
  const begin = () => {
    if (config && !pageView && sends && document.readyState != 'loading') start();
  };

  function activityTick() {
    readGoogleConsent();
    if (Date.now() - lastInteraction > setting('activity_window', 15) * 1000) return;
    if (!samePage()) return navigate(); // a navigation that no wrapper saw
    if (touchSession()) return startPageView(pageReferrer, true); // back after the session ended
    ping(changes()); // even without changes: the ping itself renews the activity
  }

  function start() {
    // Pointer movement counts too; at most one clock read a second, however fast it moves.
    const onActivity = guard(() => {
      const now = Date.now();
      if (now - lastInteraction > 999 && document.visibilityState != 'hidden') lastInteraction = now;
    });
    const onLeave = guard((event) => {
      if (event.type == 'pagehide' || document.visibilityState == 'hidden') sendChanges(), flushErrors();
    });
    for (const type of 'scroll pointerdown pointermove keydown touchstart focus'.split(' ')) {
      window.addEventListener(type, onActivity, true); // window-level touch listeners are passive
    }
    document.addEventListener('click', onIntent, true);
    document.addEventListener('copy', onIntent, true);
    window.addEventListener('pagehide', onLeave);
    document.addEventListener('visibilitychange', onLeave);
    window.addEventListener('popstate', guardedNavigate);
    wrapMethod(history, 'pushState', afterNavigation);
    wrapMethod(history, 'replaceState', afterNavigation);
    setInterval(guard(activityTick), setting('ping_interval', 15) * 1000);
    startPageView(document.referrer, touchSession());
    show(); // the number the session was shown before, in the same task: no paint comes between
    watch();
  }

  /* ---- The console API: window.dialtrail */

  // The parser is in check.js, next to this script (GET /s/KEY.js → /s/KEY/check.js), fetched
  // once, the first time check() is called or debugging is turned on. It adds _parse, _check
  // and _reparse to window.dialtrail. The nonce lets it through a CSP that allows this script by one.
  const thisScript = document.currentScript || {};
  let parserLoaded, reparsed;
  const loadParser = () => parserLoaded ||= new Promise((resolve, reject) => {
    const script = document.createElement('script');
    script.src = (thisScript.src || '').replace(/\.js(?=$|[?#])/, '/check.js');
    script.nonce = thisScript.nonce || '';
    script.onload = script.onerror = (event) => {
      script.remove(); // the page's document stays as it was
      if (event.type == 'load') return resolve();
      parserLoaded = null; // the next call tries again
      reject('cannot load ' + script.src);
    };
    document.head.appendChild(script);
  });

  // A promise, since the parser may still have to arrive; never rejected: {error} instead.
  // check.js parses the text and reads it with this script's own evaluate() and clip().
  const check = (text) => loadParser().then(() => api._check(text, config?.raw_js, log, evaluate, clip))
    .catch((e) => ({error: describe(e)}));

  // With debugging on, each entity's value is parsed again in the browser, as docs/design.md §2 has it,
  // and logged when it differs from the form the server sent.
  const reparse = () => reparsed ||= loadParser()
    .then(() => api._reparse(entities, config?.raw_js, log)).catch((e) => log('check.js', e));

  // The parsed form of an entity, checked once before any read; false when it cannot be used.
  const usable = (entity) => {
    try { return wellFormed(entity.ast, config.raw_js, 0) && (entity.type != 'simple' || entity.ast.path); } catch (e) {}
  };

  const api = {
    entities: guard(() => collect(entities, () => true).values),
    session: guard(() => {
      const id = /^GA\d\.\d+\.(.+)$/.exec(readCookie('_ga')); // null is "null"; _ga "GA1.1.123.456" → "123.456"
      return {session, visitor, ga_client_id: visitor && id ? id[1] : null, number, page_view: pageView};
    }),
    number: guard(() => number),
    debug: guard((on) => {
      if ((debugging = on === undefined || !!on)) reparse();
      return debugging;
    }),
    check: guard(check),
    // The visitor's choice, from the site's consent banner. Withdrawn, Dialtrail's cookies are
    // deleted and, when consent is required, nothing more is sent; given, this visit's ids are
    // written to the cookies (the page view joins the session; a returning visitor, whose
    // consent came after the page started, keeps the id in the cookie) or tracking starts.
    consent: guard((on) => {
      sends = (free = !mode || !!on) || mode != 'required';
      if (!free) writeCookie('_dt_v', '', 0), writeCookie('_dt_s', '', 0);
      else if (pageView) writeCookie('_dt_v', visitor = cookieId(readCookie('_dt_v')) || visitor, 63072000), writeSession();
      begin();
    }),
    push: guard(([name, ...args]) => api[name](...args)), // push(['debug', true])
    _errors: guard(() => errorLog.slice()) // every error reported to the server
  };

  guard(() => {
    const queued = window.dialtrail;
    if (queued?._errors) return; // a second copy of the snippet must not double page views
    debugging = location.hash.includes('dialtrail-debug') || !!config?.debug;
    window.dialtrail = api;
    if (config) {
      entities = config.entities || [];
      config.numbers ||= [];
      for (const entity of entities) if (!usable(entity)) entity.ast = null, entity.error ||= 'malformed';
      document.addEventListener('DOMContentLoaded', guard(readGoogleConsent));
    }
    if (Array.isArray(queued)) queued.forEach(api.push); // calls made before the script loaded, consent() too
    if (debugging) reparse();
    readGoogleConsent(); // which starts, unless the document or consent is still due
  })();
})(window, document, /*DIALTRAIL_CONFIG*/null);
