(function (window, document, config) {
  /* Dialtrail insertion script (DESIGN.md §2–§3). Goals, in priority order:
     1. never break the host page: every entry point is guarded, nothing throws into the site;
     2. never lose the visitor's values: send at once, re-read on change, flush on pagehide;
     3. small (budget: 6 KB gzipped); 4. fast (no work between events);
     5. debuggable: dialtrail.entities(), .session(), .check(), #dialtrail-debug.
     The server injects `config` (null when served without one: only the console API then). */
  'use strict';

  var debugging = false;
  var log = function () {
    if (debugging) try { console.log.apply(console, ['[dialtrail]'].concat([].slice.call(arguments))); } catch (e) {}
  };
  var guard = function (fn) {
    return function () {
      try { return fn.apply(this, arguments); } catch (e) { log('internal error', e); }
    };
  };
  var has = function (object, key) { return Object.prototype.hasOwnProperty.call(object, key); };
  var describe = function (error) {
    try { return String(error && error.message || error).slice(0, 200); } catch (e) { return 'an error'; }
  };
  var problem = function (kind, message) { return {kind: kind, message: String(message).slice(0, 300)}; };

  /* ---- The expression language: the same grammar, AST and error positions as the server's
     dialtrail/entities/expressions.py (tests/vectors/expressions.json keeps the two in step). */

  var BLANK = /^[ \t\n\r\u00a0]+|[ \t\n\r\u00a0]+$/g; // not trim(): the server's exact set
  var strip = function (text) { return text.replace(BLANK, ''); };
  // Parameter kinds: N a non-blank name, S a CSS selector, E any expression, R a regex.
  var FUNCTIONS = {cookie: 'N', query: 'N', storage: 'N', session_storage: 'N', datalayer: 'N',
    text: 'S', attr: 'SN', meta: 'N', match: 'ER'};
  var ESCAPES = {'\\': '\\', '"': '"', "'": "'", n: '\n', t: '\t'};
  var SPACE = /[ \t\n\r\u00a0]*/y;
  var TOKEN = /([A-Za-z_$][\w$]*)|(\d+)|\|\||[.[\](),]/y;
  var fail = function (message, position) { throw {message: message, position: position}; };
  var simpleOnly = function (feature, position) {
    fail('a Simple entity takes only a global variable path such as r7k12_si; use type ' +
      'Expression for ' + feature, position);
  };
  var PYTHON_ONLY = /\((\?P|\?#|\?>|\?[aiLmsux-]+[:)])/y;
  var regexes = new Map(); // pattern → RegExp: each pattern is compiled once

  function compileRegex(pattern) {
    if (!regexes.has(pattern)) regexes.set(pattern, new RegExp(pattern));
    return regexes.get(pattern);
  }

  function scanner(text) {
    var offset = 0;
    function token(kind, end, value) {
      var found = {kind: kind, text: text.slice(offset, end), position: offset, value: value};
      offset = end;
      return found;
    }
    function hexUnit(backslash) {
      var digits = text.slice(backslash + 2, backslash + 6);
      if (!/^[0-9a-fA-F]{4}$/.test(digits)) fail('\\u must be followed by 4 hexadecimal digits', backslash);
      return parseInt(digits, 16);
    }
    function quoted() {
      var quote = text[offset], index = offset + 1, value = '', code, unit, low;
      while (index < text.length && text[index] != quote) {
        if (text[index] != '\\') {
          value += text[index++];
          continue;
        }
        code = text[index + 1];
        if (code == null) break; // a backslash at the very end: the quote is never closed
        if (has(ESCAPES, code)) {
          value += ESCAPES[code];
          index += 2;
        } else if (code != 'u') {
          fail('unknown escape \\' + code + ' in quoted text', index);
        } else if ((unit = hexUnit(index)) < 0xd800 || unit > 0xdfff) {
          value += String.fromCharCode(unit);
          index += 6;
        } else {
          // Characters beyond U+FFFF are written as a surrogate pair, as in JavaScript.
          low = unit < 0xdc00 && text.startsWith('\\u', index + 6) ? hexUnit(index + 6) : 0;
          if (low < 0xdc00 || low > 0xdfff) fail('a lone surrogate \\u escape', index);
          value += String.fromCharCode(unit, low);
          index += 12;
        }
      }
      if (text[index] != quote) fail('this quoted text is never closed', offset);
      return token('string', index + 1, value);
    }
    return function next() {
      SPACE.lastIndex = offset;
      offset += SPACE.exec(text)[0].length;
      if (offset == text.length) return token('end', offset);
      if (text[offset] == '"' || text[offset] == "'") return quoted();
      TOKEN.lastIndex = offset;
      var match = TOKEN.exec(text);
      if (!match) return token('other', offset + 1);
      return token(match[1] ? 'name' : match[2] ? 'number' : match[0], TOKEN.lastIndex);
    };
  }

  function checkSelector(value) {
    // A light check only, the server's: querySelector is the real judge.
    var closing = [], quote = '', index, char;
    for (index = 0; index < value.length; index++) {
      char = value[index];
      if (char == '\\') index++;
      else if (quote) quote = char == quote ? '' : quote;
      else if (char == '"' || char == "'") quote = char;
      else if (char == '[' || char == '(') closing.push(char == '[' ? ']' : ')');
      else if ((char == ']' || char == ')') && closing.pop() != char) return "has an unmatched '" + char + "'";
    }
    return quote ? 'has an unclosed quote' : closing.length ? "misses a '" + closing.pop() + "'" : '';
  }

  function checkRegex(pattern) {
    // The server refuses what Python's re reads differently from a browser; refuse the same.
    var index = 0, next, char, afterQuantifier = false;
    for (; index < pattern.length; index = next) {
      char = pattern[index];
      next = index + 1;
      if (char == '\\') {
        if (/[A-Za-z]/.test(pattern[index + 1] || '') && 'abfnrtvBdDsSwWxuUNk'.indexOf(pattern[index + 1]) < 0) {
          return 'uses \\' + pattern[index + 1] + ', which the server refuses';
        }
        next = index + 2;
      } else if (char == '[') {
        next = index + (pattern.startsWith('[]', index) || pattern.startsWith('[^]', index) ? 2 : 1);
        while (next < pattern.length && pattern[next] != ']') next += pattern[next] == '\\' ? 2 : 1;
        next++;
      } else if ((PYTHON_ONLY.lastIndex = index, PYTHON_ONLY.test(pattern)) || (char == '+' && afterQuantifier)) {
        return 'uses (?P, (?#, (?>, inline flags or a possessive quantifier, which browsers do not understand';
      }
      afterQuantifier = '*+?}'.indexOf(char) >= 0;
    }
    try { compileRegex(pattern); } catch (e) { return 'is not valid: ' + describe(e); }
    return '';
  }

  var CHECKS = {
    N: function (value) { return strip(value) ? '' : 'is empty'; },
    S: function (value) { return strip(value) ? checkSelector(value) : 'is empty'; },
    R: checkRegex
  };

  function parser(text) {
    var next = scanner(text), ahead = null;
    var peek = function () { return ahead || (ahead = next()); };
    var advance = function () { var token = peek(); ahead = null; return token; };
    var expected = function (what, token) {
      fail('expected ' + what + ' but found ' + (token.kind == 'end' ? 'end of input' : "'" + token.text.slice(0, 20) + "'"), token.position);
    };
    var close = function (closer) {
      var token = advance();
      if (token.kind != closer) expected("'" + closer + "'", token);
    };
    var deeper = function (opener, depth) {
      if (depth >= 32) fail('nested too deeply (more than 32 levels of parentheses)', opener.position);
      return depth + 1;
    };

    function either(depth) {
      var options = [primary(depth)], flat = [];
      while (peek().kind == '||') {
        advance();
        options.push(primary(depth));
      }
      // "||" is associative, so nested groups are flattened, as on the server.
      options.forEach(function (option) { flat = flat.concat(option.either || [option]); });
      return flat.length > 1 ? {either: flat} : flat[0];
    }

    function primary(depth) {
      var token = advance(), node;
      if (token.kind == 'string') return {literal: token.value};
      if (token.kind == '(') {
        node = either(deeper(token, depth));
        close(')');
        return node;
      }
      if (token.kind != 'name') expected('a variable path, a function such as cookie("name") or a quoted text', token);
      if (token.text == 'js' && text[token.position + 2] == ':') fail('js: can only be the whole value', token.position);
      return peek().kind == '(' ? call(token, depth) : path(token);
    }

    function path(first) {
      var segments = [first.text], token;
      while (peek().kind == '.' || peek().kind == '[') {
        if (advance().kind == '.') {
          token = advance();
          if (token.kind != 'name') expected("a name after '.'", token);
          segments.push(token.text);
          continue;
        }
        token = advance();
        if (token.kind == 'number' && token.text.length < 10) segments.push(+token.text);
        else if (token.kind == 'string') segments.push(token.value);
        else if (token.kind == 'number') fail('this position in a list is too large', token.position);
        else expected("a number or a quoted name after '['", token);
        close(']');
      }
      if (peek().kind == '(') fail('a variable path cannot be called', peek().position);
      return {path: segments};
    }

    function call(name, depth) {
      var kinds = has(FUNCTIONS, name.text) && FUNCTIONS[name.text], opener, inner, args = [], token;
      var wrongCount = function (position) {
        fail(name.text + '() takes ' + kinds.length + ' argument(s)', position);
      };
      if (!kinds) fail("unknown function '" + name.text + "'; known: " + Object.keys(FUNCTIONS).join(', '), name.position);
      opener = advance();
      inner = deeper(opener, depth);
      if (peek().kind == ')') wrongCount(opener.position);
      for (;;) {
        args.push(argument(name.text, kinds[args.length], inner));
        token = advance();
        if (token.kind == ',' && args.length == kinds.length) wrongCount(peek().position);
        if (token.kind == ')' && args.length < kinds.length) wrongCount(opener.position);
        if (token.kind == ')') return {call: name.text, args: args};
        if (token.kind != ',') expected(args.length == kinds.length ? "')'" : "','", token);
      }
    }

    function argument(name, kind, depth) {
      if (kind == 'E') return either(depth);
      var token = advance(), problem;
      if (token.kind != 'string') expected(name + '() argument in quotes', token);
      problem = CHECKS[kind](token.value);
      if (problem) fail('the ' + (kind == 'R' ? 'regular expression' : kind == 'S' ? 'CSS selector' : 'argument') + ' in ' + name + '() ' + problem, token.position);
      return {literal: token.value};
    }

    function simple() {
      var token = advance();
      if (token.kind == 'name' && peek().kind == '(') simpleOnly('functions', token.position);
      if (token.kind == 'string' || token.kind == '(') simpleOnly('quotes or parentheses', token.position);
      if (token.kind != 'name') expected('a global variable name such as r7k12_si', token);
      var found = path(token);
      if (peek().kind == '||') simpleOnly('alternatives with ||', peek().position);
      return found;
    }

    return function (type) {
      var node = type == 'simple' ? simple() : either(0), token = peek();
      if (token.kind == ')') fail("found ')' without a matching '('", token.position);
      if (token.kind != 'end') expected(type == 'simple' ? 'the end of the value' : "'||' or the end of the value", token);
      return node;
    };
  }

  function parse(text, type, allowRawJs) {
    try {
      text = String(text);
      if (text.length > 2000) fail('the value is too long; the limit is 2000 characters', 2000);
      var start = text.length - text.replace(/^[ \t\n\r\u00a0]+/, '').length, source;
      if (start == text.length) fail('empty; give a variable path such as r7k12_si', 0);
      if (text.startsWith('js:', start)) {
        if (type == 'simple') simpleOnly('raw JavaScript (js:)', start);
        if (!allowRawJs) fail('raw JavaScript (js:) is disabled for this project', start);
        source = strip(text.slice(start + 3));
        if (!source) fail('js: must be followed by JavaScript code', start + 3);
        return {ast: {js: source}};
      }
      return {ast: parser(text)(type)};
    } catch (e) {
      return {error: e.message, position: e.position};
    }
  }

  /* ---- Reading values on the page. Readers return raw values; normalise() turns them into
     the text the server stores (DESIGN §2): a string, null when empty, undefined when unset. */

  function readCookie(name) {
    try {
      var parts = document.cookie.split('; '), index;
      for (index = 0; index < parts.length; index++) {
        if (parts[index].indexOf(name + '=') == 0) return parts[index].slice(name.length + 1);
      }
    } catch (e) {} // a sandboxed frame refuses document.cookie
    return null;
  }

  function writeCookie(name, value, seconds) {
    try {
      document.cookie = name + '=' + value + '; path=/; max-age=' + seconds + '; SameSite=Lax' +
        (location.protocol == 'https:' ? '; Secure' : '');
    } catch (e) {}
  }

  function readStorage(kind, key) {
    try { return window[kind].getItem(key); } catch (e) { log('no ' + kind, e); return null; } // Safari private mode, blocked storage
  }

  function select(selector) {
    try { return document.querySelector(selector); } catch (e) { throw problem('selector', 'bad CSS selector ' + selector + ': ' + describe(e)); }
  }

  var READERS = {
    cookie: function (name) {
      var value = readCookie(name);
      try { return value && decodeURIComponent(value); } catch (e) { return value; }
    },
    query: function (name) { return new URLSearchParams(location.search).get(name); },
    storage: function (key) { return readStorage('localStorage', key); },
    session_storage: function (key) { return readStorage('sessionStorage', key); },
    datalayer: function (key) {
      var layer = window.dataLayer, index;
      if (!Array.isArray(layer)) return undefined;
      for (index = layer.length - 1; index >= 0; index--) {
        if (layer[index] && typeof layer[index] == 'object' && has(layer[index], key)) return layer[index][key];
      }
    },
    text: function (selector) { var found = select(selector); return found && found.textContent; },
    attr: function (selector, name) { var found = select(selector); return found && found.getAttribute(name); },
    meta: function (name) {
      var tags = document.getElementsByTagName('meta'), index;
      for (index = 0; index < tags.length; index++) {
        if (tags[index].getAttribute('name') == name || tags[index].getAttribute('property') == name) {
          return tags[index].getAttribute('content');
        }
      }
      return null;
    }
  };

  function normalise(value) {
    var type = typeof value;
    if (type == 'string') return value.trim() || null; // trim() only scans the two ends: cheap on 10 MB
    if (type == 'number') return isFinite(value) ? String(value) : null;
    if (type == 'boolean' || type == 'bigint') return String(value);
    if (type == 'object' && value) {
      try { return normalise(JSON.stringify(value)) || null; } catch (e) { throw problem('exception', 'cannot write the value as JSON: ' + describe(e)); }
    }
    return value === undefined ? value : null;
  }

  function readPath(path) {
    var value = window, index;
    for (index = 0; index < path.length; index++) {
      if (value == null) return undefined;
      try { value = value[path[index]]; } catch (e) {
        throw problem('exception', 'reading ' + path.slice(0, index + 1).join('.') + ' threw ' + describe(e));
      }
    }
    return value;
  }

  var scripts = new Map(); // js: source → compiled function, or the error compiling it gave

  function compileJs(source) {
    try { return new Function('return (' + source + '\n)'); } catch (e) {
      if (e.name != 'SyntaxError') throw e;
      return new Function(source); // statements, such as js:return document.title
    }
  }

  function runJs(source) {
    if (!scripts.has(source)) {
      try { scripts.set(source, compileJs(source)); } catch (e) { scripts.set(source, e); }
    }
    var compiled = scripts.get(source);
    if (typeof compiled != 'function') {
      // A Content-Security-Policy without 'unsafe-eval' makes new Function throw EvalError.
      throw problem(compiled.name == 'EvalError' ? 'csp' : 'js', describe(compiled));
    }
    return compiled.call(window);
  }

  function evaluate(node, errors) {
    try {
      if (node.path) return normalise(readPath(node.path));
      if (node.js) return normalise(runJs(node.js));
      if (node.either) {
        for (var index = 0, value; index < node.either.length; index++) {
          value = evaluate(node.either[index], errors);
          if (value != null) return value;
        }
        return null;
      }
      if (node.call == 'match') {
        var searched = evaluate(node.args[0], errors), found, regex;
        try { regex = compileRegex(node.args[1].literal); } catch (e) { throw problem('regex', describe(e)); }
        found = searched == null ? null : regex.exec(searched);
        return found && normalise(found[found.length > 1 ? 1 : 0]);
      }
      if (node.call) return normalise(READERS[node.call].apply(null, node.args.map(function (arg) { return arg.literal; })));
      return normalise(node.literal);
    } catch (e) {
      errors.push(e && e.kind ? e : problem('exception', describe(e))); // the next option of || still runs
      return null;
    }
  }

  /* ---- State of this visit */

  var entities = [], sent = {}, number = null, visitor = null, session = null, lastActivity = 0;
  var pageView = null, pageHref = '', pageReferrer = '', lastInteraction = 0, errorQueue = [], errorLog = [];
  var errorsPerEntity = {}, errorsThisPage = 0, errorTimer = 0, changeTimer = 0;
  var setting = function (name, fallback) { return +(config && config[name]) || fallback; };
  var maxLength = setting('max_value_length', 1000);
  var timeoutSeconds = setting('session_timeout', 1800);
  var urlKey = function () { return location.href.split('#')[0]; }; // a #fragment is not a page view
  var cookieId = function (value) { return /^[\w-]{16,64}$/.test(value) ? value : null; };

  function newId() {
    var bytes = new Uint8Array(22), id = '', index;
    try { window.crypto.getRandomValues(bytes); } catch (e) {
      for (index = 0; index < 22; index++) bytes[index] = Math.random() * 256;
    }
    for (index = 0; index < 22; index++) {
      id += 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-'[bytes[index] & 63];
    }
    return id;
  }

  // Renews the session cookie; true when a new session starts. Date.now(), not the cookie's
  // expiry alone, decides, so a page left open for hours starts a new session on return.
  function touchSession() {
    var now = Date.now(), saved = (readCookie('_dt_s') || '').split('.'), isNew;
    if (cookieId(saved[0])) { // the cookie wins: other tabs of the visit renew it too
      session = saved[0];
      lastActivity = +saved[1] || 0;
    }
    isNew = !session || now - lastActivity > timeoutSeconds * 1000;
    if (isNew) session = newId();
    lastActivity = now;
    writeCookie('_dt_s', session + '.' + now, timeoutSeconds);
    return isNew;
  }

  function gaClientId() {
    var found = /^GA\d\.\d+\.(.+)$/.exec(readCookie('_ga') || '');
    return visitor && found ? found[1] : null;
  }

  /* ---- Errors: reported to the server, rate-limited, batched */

  function report(entity, kind, message) {
    log('error', entity, kind, message);
    errorsPerEntity[entity] = (errorsPerEntity[entity] || 0) + 1;
    if (!config || errorsPerEntity[entity] > 3 || ++errorsThisPage > 20) return;
    var error = problem(kind, message);
    error = {entity: entity, kind: error.kind, message: error.message};
    errorLog.push(error);
    errorQueue.push(error);
    clearTimeout(errorTimer);
    errorTimer = setTimeout(guard(flushErrors), 1000);
  }

  function flushErrors() {
    if (!errorQueue.length) return;
    send('errors', {visitor: visitor, session: session, page_view: pageView, url: pageHref, errors: errorQueue});
    errorQueue = [];
  }

  /* ---- Entities */

  function readEntity(entity) {
    var errors = [], value = evaluate(entity.ast, errors);
    errors.forEach(function (error) { report(entity.name, error.kind, error.message); });
    log('read', entity.name, value);
    return value;
  }

  // Cuts an over-long value (never between the two halves of a surrogate pair).
  function keep(values, truncated, name, value) {
    value = value == null ? null : value;
    if (value && value.length > maxLength) {
      value = value.slice(0, maxLength).replace(/[\ud800-\udbff]$/, '');
      truncated.push(name);
    }
    values[name] = value;
  }

  // Re-reads the expressions; returns the ones whose value changed since last sent.
  function changes() {
    var values = {}, truncated = [], count = 0;
    entities.forEach(function (entity) {
      if (entity.type != 'expression' || !entity.ast) return;
      var read = {}, cut = [];
      keep(read, cut, entity.name, readEntity(entity));
      if (read[entity.name] !== sent[entity.name]) {
        values[entity.name] = sent[entity.name] = read[entity.name];
        truncated = truncated.concat(cut);
        count++;
      }
    });
    return {values: values, truncated: truncated, count: count};
  }

  /* ---- Transport: text/plain JSON, no custom header, so no CORS preflight */

  function send(kind, body, withAnswer) {
    var url = config.endpoint + '/' + kind, text = JSON.stringify(body);
    log('send', kind, body);
    try {
      if (!withAnswer && navigator.sendBeacon && navigator.sendBeacon(url, text)) return;
      // The page view needs its answer (the number); a refused beacon (too big) retries here.
      window.fetch(url, {method: 'POST', body: text, keepalive: true, credentials: 'omit'})
        .then(function (response) { return response.json(); })
        .then(function (answer) {
          if (withAnswer && answer && has(answer, 'number')) number = answer.number;
        })
        .catch(function (e) { log('send failed', kind, e); });
    } catch (e) { log('send failed', kind, e); }
  }

  function ping(values, truncated) {
    send('ping', {visitor: visitor, session: session, page_view: pageView, ga: readCookie('_ga'),
      values: values, truncated: truncated, at: Date.now()});
  }

  function sendChanges() {
    var found = changes();
    if (found.count) ping(found.values, found.truncated);
  }

  function startPageView(referrer, newSession) {
    flushErrors(); // earlier errors belong to the previous page view
    var values = {}, truncated = [], pending = [];
    pageView = newId();
    pageHref = location.href;
    pageReferrer = referrer;
    errorsPerEntity = {};
    visitor = cookieId(readCookie('_dt_v')) || visitor || newId();
    writeCookie('_dt_v', visitor, 63072000);
    sent = {};
    entities.forEach(function (entity) {
      if (!entity.ast) return report(entity.name, 'parse', entity.error);
      var value = readEntity(entity);
      if (value === undefined && entity.type == 'simple') pending.push(entity);
      keep(values, truncated, entity.name, value);
      sent[entity.name] = values[entity.name];
    });
    send('pageview', {visitor: visitor, session: session, page_view: pageView, new_session: newSession,
      url: pageHref.slice(0, 4096), title: String(document.title).slice(0, 2000),
      referrer: String(referrer || '').slice(0, 4096), ga: readCookie('_ga'), values: values,
      truncated: truncated, at: Date.now()}, true);
    if (pending.length) retrySimple(pending, pageView, Date.now() + setting('simple_retry_ms', 5000));
  }

  // Sites often set their variables late: a simple entity still undefined is read again every
  // 250 ms until the page has loaded and simple_retry_ms has passed, and sent when it appears.
  function retrySimple(pending, forPageView, deadline) {
    setTimeout(guard(function () {
      if (forPageView != pageView) return;
      var values = {}, truncated = [], waiting = [];
      if (document.readyState != 'complete') deadline = Math.max(deadline, Date.now() + setting('simple_retry_ms', 5000));
      pending.forEach(function (entity) {
        var value = readEntity(entity);
        if (value !== undefined) keep(values, truncated, entity.name, value);
        else if (Date.now() < deadline) waiting.push(entity);
        else report(entity.name, 'undefined', entity.value + ' is still undefined');
      });
      if (Object.keys(values).length) ping(values, truncated);
      if (waiting.length) retrySimple(waiting, forPageView, deadline);
    }), 250);
  }

  function navigate() {
    if (urlKey() != pageHref.split('#')[0]) startPageView(pageHref, touchSession()); // referrer: the previous URL
  }

  // The wrappers call the site's function first, with its own this and arguments, and return
  // its result; its errors stay its own. Assigning may throw (non-writable): then no wrapper.
  var wrapHistory = guard(function (name) {
    var original = history[name];
    if (typeof original != 'function') return;
    history[name] = function () {
      var result = original.apply(this, arguments);
      setTimeout(guard(navigate), 0); // after the router's synchronous work; coalesces redirects
      return result;
    };
  });

  var wrapDataLayer = guard(function () {
    var layer = window.dataLayer, original = Array.isArray(layer) && layer.push;
    if (typeof original != 'function' || original.dialtrail) return;
    var wrapped = function () {
      var result = original.apply(this, arguments);
      clearTimeout(changeTimer);
      changeTimer = setTimeout(guard(sendChanges), 0); // one read for a burst of pushes
      return result;
    };
    wrapped.dialtrail = true;
    layer.push = wrapped;
  });

  function activityTick() {
    wrapDataLayer(); // a dataLayer created (or replaced by GTM) after this script
    if (Date.now() - lastInteraction > setting('activity_window', 15) * 1000) return;
    if (urlKey() != pageHref.split('#')[0]) return navigate(); // a navigation no wrapper saw
    if (touchSession()) return startPageView(pageReferrer, true); // back after the session timed out
    var found = changes();
    ping(found.values, found.truncated); // sent even without changes: it renews the activity
  }

  function start() {
    debugging = debugging || !!config.debug;
    entities = (config.entities || []).map(function (entity) {
      var parsed = parse(entity.value, entity.type, config.raw_js);
      return {name: entity.name, type: entity.type, value: entity.value, ast: parsed.ast,
        error: parsed.ast ? '' : parsed.error + ' at position ' + parsed.position};
    });
    var onActivity = guard(function () {
      if (document.visibilityState != 'hidden') lastInteraction = Date.now();
    });
    var onLeave = guard(function (event) {
      if (event.type == 'pagehide' || document.visibilityState == 'hidden') {
        sendChanges();
        flushErrors();
      }
    });
    ['scroll', 'pointerdown', 'keydown', 'touchstart', 'focus'].forEach(function (type) {
      window.addEventListener(type, onActivity, {capture: true, passive: true});
    });
    window.addEventListener('pagehide', onLeave);
    document.addEventListener('visibilitychange', onLeave);
    window.addEventListener('popstate', guard(navigate));
    wrapHistory('pushState');
    wrapHistory('replaceState');
    wrapDataLayer();
    setInterval(guard(activityTick), setting('ping_interval', 15) * 1000);
    startPageView(document.referrer, touchSession());
  }

  /* ---- The console API, window.dialtrail */

  function currentValues() {
    var values = {};
    entities.forEach(function (entity) {
      if (entity.ast) keep(values, [], entity.name, readEntity(entity));
    });
    return values;
  }

  function check(text) {
    var parsed = parse(text, 'expression', config && config.raw_js), errors = [], value = {};
    if (!parsed.ast) return parsed;
    keep(value, [], 'value', evaluate(parsed.ast, errors));
    log('check', text, value.value, errors);
    return errors.length ? {value: value.value, error: errors[0].message, kind: errors[0].kind} : value;
  }

  var api = {
    entities: guard(currentValues),
    session: guard(function () {
      return {session: session, visitor: visitor, ga_client_id: gaClientId(), number: number, page_view: pageView};
    }),
    debug: guard(function (on) { debugging = on === undefined || !!on; return debugging; }),
    check: guard(check),
    push: guard(function (call) { return api[call[0]].apply(api, [].slice.call(call, 1)); }),
    _parse: guard(parse),
    _errors: guard(function () { return errorLog.slice(); })
  };

  try {
    var queued = window.dialtrail;
    // A second copy of the snippet must not count every page view twice.
    if (queued && queued._errors) return;
    debugging = location.hash.indexOf('dialtrail-debug') >= 0;
    if (Array.isArray(queued)) queued.forEach(api.push); // calls made before the script loaded
    window.dialtrail = api;
    if (config) start();
  } catch (e) { log('internal error', e); }
})(window, document, /*DIALTRAIL_CONFIG*/null);
