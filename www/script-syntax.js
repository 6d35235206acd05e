// Syntax errors in a user's function, with line and column, for the engine Worker (never the
// page: compiling needs 'unsafe-eval', which only the Worker's script may have). V8's
// SyntaxError has no position, so a failing source is parsed again with acorn, loaded then.

const ROLES = [['fn', 'the function'], ['items', 'the items field']];

/** The engine's error for the first source of `job` that does not parse, or null. */
export async function syntaxError(job) {
  for (const [role, what] of ROLES) {
    const text = job[role];
    if (typeof text !== 'string') continue;
    try {
      // Compiled exactly as the engine compiles it (src/web/script_js.rs), but not run.
      // eslint-disable-next-line no-new-func
      new Function(`"use strict";\nreturn (\n${text}\n);`);
    } catch (e) {
      if (!(e instanceof SyntaxError)) continue;
      let at = null;
      try {
        at = (await import('./vendor/script-check.js')).locate(text);
      } catch {
        // Without the locator the message still says what is wrong, just not where.
      }
      // The parser reads the source inside parentheses, so a source that stops short (an
      // unclosed brace) fails on the closing parenthesis, a line below the last one typed:
      // "line 2, column 1: Unexpected token ')'" for the one-line `x => {`.
      const lines = text.split('\n');
      const cutShort = at && at.line > lines.length;
      if (cutShort) at = { line: lines.length, column: lines.at(-1).length + 1 };
      const message = cutShort
        ? `syntax error in ${what}: it ends at line ${at.line}, column ${at.column} before it is complete (an unclosed bracket, brace, string or comment?)`
        : `syntax error in ${what}${at ? ` at line ${at.line}, column ${at.column}` : ''}: ${e.message}`;
      return { kind: 'script', problem: 'syntax', role, index: null, line: at?.line ?? null, column: at?.column ?? null, message };
    }
  }
  return null;
}
