// Where a syntax error is: V8's SyntaxError from `new Function` has no position, so the engine
// Worker parses a failing source again with acorn (bundled into vendor/script-check.js by
// www/build/bundle-editor.mjs, and loaded only after a syntax error).
import { parse } from 'acorn';

/** {line, column} (1-based) of the first syntax error in expression `text`, or null. */
export function locate(text) {
  try {
    // Parsed as the engine compiles it: an expression in parentheses.
    parse(`(${text}\n)`, { ecmaVersion: 'latest', sourceType: 'script' });
    return null;
  } catch (e) {
    if (!e.loc) return null;
    const column = e.loc.line === 1 ? e.loc.column : e.loc.column + 1;
    return { line: e.loc.line, column: Math.max(column, 1), message: String(e.message).replace(/ \(\d+:\d+\)$/, '') };
  }
}
