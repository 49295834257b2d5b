(function (window, texts) {
  /* Dialtrail's expression parser for the browser (docs/design.md §2), the companion of dialtrail.js.
     The insertion script gets each entity already parsed by the server (its configuration carries
     the parsed forms), so it needs no parser to read values; this file is fetched, from next to
     the script, only when someone calls dialtrail.check("…") in the console or turns debugging
     on. It keeps the browser's own reading of the language, tested against the same vectors as
     the server's (tests/vectors/expressions.json). Being loaded on demand, it is outside the
     script's size budget. It adds to window.dialtrail:
     - _parse(text, type, allowRawJs): {ast} or {error, position};
     - _check(text, allowRawJs, log, evaluate, clip): what dialtrail.check(text) answers, the
       text parsed here and read by the script's own evaluate() and clip(), which it passes in
       (the reading code stays in the script, the rest of check() is here, outside the budget);
     - _reparse(entities, allowRawJs, log): with debugging on, each entity's value parsed again
       here and logged when it differs from the form the server sent.
     The values' texts come with this file (`texts`, by entity name, injected by the server for
     the project), not with the script, whose every byte is in its size budget. */
  'use strict';

  const has = (object, key) => ({}).hasOwnProperty.call(object, key);
  const describe = (error) => {
    try { return String(error && error.message || error); } catch (e) { return 'error'; }
  };

  // Tokens and thrown errors carry their position as `at`: it is everywhere below.
  /* ---- The expression language: the same grammar, AST and error positions as the server's
     dialtrail/entities/expressions.py (tests/vectors/expressions.json keeps the two in step).
     Messages are shorter: the server already explained them when the value was saved. */

  const strip = (text) => text.replace(/^[ \t\n\r\u00a0]+|[ \t\n\r\u00a0]+$/g, ''); // not trim(): the server's set
  // Parameters: N a non-blank name, S a CSS selector, E any expression, R a regular expression.
  const FUNCTIONS = {cookie: 'N', query: 'N', storage: 'N', session_storage: 'N', datalayer: 'N',
    text: 'S', attr: 'SN', meta: 'N', match: 'ER'};
  const SPACE = /[ \t\n\r\u00a0]*/y;
  const TOKEN = /((?!\d)[\w$]+)|(\d+)|\|\||[.[\](),]/y; // a name starts with a letter, _ or $
  const fail = (message, at) => { throw {message, at}; };
  const simpleOnly = (at) => fail('a simple entity is a path', at);

  function scanner(text) {
    let at = 0;
    const token = (kind, end, value) => {
      const found = {kind, text: text.slice(at, end), at, value};
      at = end;
      return found;
    };
    const hex = (i) => /^[\da-f]{4}$/i.test(text.slice(i + 2, i + 6))
      ? parseInt(text.slice(i + 2, i + 6), 16) : fail('bad escape', i);
    const quoted = () => {
      const quote = text[at];
      let i = at + 1, value = '', simple, unit, low;
      while (i < text.length && text[i] != quote) {
        const code = text[i + 1];
        if (text[i] != '\\') value += text[i++];
        else if (code == null) break; // a final backslash: the quote is never closed
        else if ((simple = '\\"\'nt'.indexOf(code)) >= 0) value += '\\"\'\n\t'[simple], i += 2;
        else if (code != 'u') fail('bad escape', i);
        else if ((unit = hex(i)) < 0xd800 || unit > 0xdfff) value += String.fromCharCode(unit), i += 6;
        else {
          // Beyond U+FFFF: a surrogate pair of \u escapes, as in JavaScript.
          low = unit < 0xdc00 && text.startsWith('\\u', i + 6) ? hex(i + 6) : 0;
          if (low < 0xdc00 || low > 0xdfff) fail('bad escape', i);
          value += String.fromCharCode(unit, low);
          i += 12;
        }
      }
      if (text[i] != quote) fail('unclosed quote', at);
      return token('string', i + 1, value);
    };
    return () => {
      SPACE.lastIndex = at;
      at += SPACE.exec(text)[0].length;
      if (at == text.length) return token('end', at);
      if (text[at] == '"' || text[at] == "'") return quoted();
      TOKEN.lastIndex = at;
      const match = TOKEN.exec(text);
      return match ? token(match[1] ? 'name' : match[2] ? 'number' : match[0], TOKEN.lastIndex) : token('other', at + 1);
    };
  }

  function checkSelector(selector) {
    // Light, as on the server: querySelector is the real judge. The message is short: the
    // server's (given when the value was saved) says which bracket or quote is wrong.
    const closing = [];
    let quote = '';
    for (let i = 0; i < selector.length; i++) {
      const c = selector[i];
      if (c == '\\') i++;
      else if (quote) quote = c == quote ? '' : quote;
      else if (c == '"' || c == "'") quote = c;
      else if (c == '[' || c == '(') closing.push(c == '[' ? ']' : ')');
      else if ((c == ']' || c == ')') && closing.pop() != c) quote = c, i = selector.length;
    }
    return quote || closing.length ? 'is unbalanced' : '';
  }

  // Browsers reject most of what the server refuses in a pattern; these they accept, so they are
  // refused here, as on the server: letter escapes unknown to Python's re (\A, \Z, \p…), and
  // inline flags such as (?i:…). Escaped backslashes are dropped first: \\A is fine.
  function checkRegex(pattern) {
    if (/\\[^\W\d_abfnrtvBdDsSwWxuUNk]|(^|[^\\])\(\?[aiLmsux-]+:/.test(pattern.replace(/\\\\/g, ''))) {
      return 'is not supported';
    }
    try { new RegExp(pattern); } catch (e) { return describe(e); } // "Invalid regular expression: …"
  }

  function parser(text) {
    const next = scanner(text);
    let ahead = null;
    const peek = () => ahead || (ahead = next());
    const take = () => {
      const t = peek();
      ahead = null;
      return t;
    };
    const expected = (what, t) => fail('expected ' + what + ' but found ' +
      (t.kind == 'end' ? 'the end' : "'" + t.text + "'"), t.at);
    const close = (closer) => {
      const t = take();
      if (t.kind != closer) expected(closer, t);
    };
    const deeper = (opener, depth) => depth < 32 ? depth + 1 : fail('too deep', opener.at);

    function either(depth) {
      const options = [primary(depth)];
      while (peek().kind == '||') take(), options.push(primary(depth));
      const flat = options.flatMap((option) => option.either || option); // as the server
      return flat[1] ? {either: flat} : flat[0];
    }

    function primary(depth) {
      const t = take();
      if (t.kind == 'string') return {literal: t.value};
      if (t.kind == '(') {
        const node = either(deeper(t, depth));
        close(')');
        return node;
      }
      if (t.kind != 'name') expected('a value', t);
      if (t.text == 'js' && text[t.at + 2] == ':') fail('js: must come first', t.at);
      return peek().kind == '(' ? call(t, depth) : path(t);
    }

    function path(first) {
      const parts = [first.text];
      while (peek().kind == '.' || peek().kind == '[') {
        const dot = take().kind == '.', t = take();
        if (dot) t.kind == 'name' ? parts.push(t.text) : expected('a name', t);
        else {
          if (t.kind == 'string') parts.push(t.value);
          else if (t.kind != 'number') expected('an index', t);
          else if (t.text.length > 9) fail('index too large', t.at);
          else parts.push(+t.text);
          close(']');
        }
      }
      if (peek().kind == '(') fail('a path cannot be called', peek().at);
      return {path: parts};
    }

    function call({text: name, at}, depth) {
      const kinds = has(FUNCTIONS, name) ? FUNCTIONS[name] : fail('unknown function ' + name, at);
      const wrongCount = (at) => fail(name + '() takes ' + kinds.length + ' argument(s)', at);
      const opener = take(), inner = deeper(opener, depth), args = [];
      if (peek().kind == ')') wrongCount(opener.at);
      for (;;) {
        args.push(argument(name, kinds[args.length], inner));
        const t = take(), complete = args.length == kinds.length;
        if (t.kind == ',' && complete) wrongCount(peek().at);
        if (t.kind == ')' && !complete) wrongCount(opener.at);
        if (t.kind == ')') return {call: name, args};
        if (t.kind != ',') expected(complete ? ')' : ',', t);
      }
    }

    function argument(name, kind, depth) {
      if (kind == 'E') return either(depth);
      const t = take();
      if (t.kind != 'string') expected('a string', t);
      const issue = kind != 'R' && !strip(t.value) ? 'is empty'
        : kind == 'S' ? checkSelector(t.value) : kind == 'R' && checkRegex(t.value);
      if (issue) fail(name + '(): ' + t.text + ' ' + issue, t.at);
      return {literal: t.value};
    }

    function simple() {
      const t = take();
      if (t.kind == 'name' && peek().kind == '(' || t.kind == 'string' || t.kind == '(') simpleOnly(t.at);
      if (t.kind != 'name') expected('a name', t);
      const found = path(t);
      if (peek().kind == '||') simpleOnly(peek().at);
      return found;
    }

    return (type) => {
      const node = type == 'simple' ? simple() : either(0), t = peek();
      if (t.kind != 'end') expected('the end', t); // "… but found ')'" says it all
      return node;
    };
  }

  function parse(text, type, allowRawJs) {
    try {
      text = String(text);
      if (text.length > 2000) fail('too long', 2000);
      SPACE.lastIndex = 0;
      const start = SPACE.exec(text)[0].length;
      if (start == text.length) fail('empty', 0);
      if (!text.startsWith('js:', start)) return {ast: parser(text)(type)};
      if (type == 'simple') simpleOnly(start);
      if (!allowRawJs) fail('js: is off', start);
      const source = strip(text.slice(start + 3));
      return source ? {ast: {js: source}} : fail('no code', start + 3);
    } catch (e) {
      return {error: e.message, position: e.at};
    }
  }

  // The parsed form as the server sent it, without what the evaluator caches on its nodes (a
  // compiled regular expression or js: function).
  const serverForm = (ast) => JSON.stringify(ast, (key, value) => key == 'regex' || key == 'compiled' ? undefined : value);

  function reparse(entities, allowRawJs, log) {
    for (const entity of entities) {
      if (!has(texts, entity.name)) continue; // changed on the server since the script was fetched
      const parsed = parse(texts[entity.name], entity.type, allowRawJs);
      if (serverForm(parsed.ast) != serverForm(entity.ast)) log('parsed differently in the browser', entity.name, parsed, entity.ast);
    }
  }

  // An expression's value as the page holds it now, or the parse error.
  function check(text, allowRawJs, log, evaluate, clip) {
    const parsed = parse(text, 'expression', allowRawJs), errors = [];
    if (!parsed.ast) return parsed;
    const value = clip(evaluate(parsed.ast, errors));
    log('check', text, value, errors);
    return Object.assign({value}, errors[0]); // and {kind, error} when reading failed
  }

  const api = window.dialtrail;
  if (api && typeof api == 'object') api._parse = parse, api._check = check, api._reparse = reparse;
})(window, /*DIALTRAIL_TEXTS*/{});
