// The Lab's code editor: CodeMirror 6 with JavaScript highlighting and line numbers, bundled by
// www/build/bundle-editor.mjs into vendor/editor.js, which only the Lab loads (lazily).
import { EditorView, drawSelection, highlightActiveLine, highlightActiveLineGutter, keymap, lineNumbers } from '@codemirror/view';
import { Prec } from '@codemirror/state';
import { defaultKeymap, history, historyKeymap, indentWithTab } from '@codemirror/commands';
import { bracketMatching, indentOnInput, syntaxHighlighting } from '@codemirror/language';
import { classHighlighter } from '@lezer/highlight';
import { javascriptLanguage } from '@codemirror/lang-javascript';

// What the editor needs, not CodeMirror's basicSetup (search, autocompletion, folding and
// linting would double the bundle). Tokens get stable classes (tok-keyword, ...) that
// function-cell.css colours for the light and the dark theme: CodeMirror's default colours are
// for a light background only.
const setup = [
  lineNumbers(), highlightActiveLineGutter(), history(), drawSelection(), indentOnInput(),
  syntaxHighlighting(classHighlighter), bracketMatching(), highlightActiveLine(),
  keymap.of([...defaultKeymap, ...historyKeymap, indentWithTab]),
];

/** An editor in `parent` holding `doc`; `onChange(text)` after each edit. */
export function createEditor(parent, doc, { onChange, label } = {}) {
  const view = new EditorView({
    doc,
    parent,
    extensions: [
      setup,
      javascriptLanguage,
      // Ctrl/Cmd-Enter runs the cell (its keydown listener sees the event bubble up); the
      // editor must not also insert a line.
      Prec.highest(keymap.of([{ key: 'Mod-Enter', run: () => true }])),
      EditorView.updateListener.of((u) => { if (u.docChanged) onChange?.(u.state.doc.toString()); }),
      EditorView.contentAttributes.of({ 'aria-label': label ?? 'code' }),
    ],
  });
  // Long lines scroll sideways on a phone: the scroller takes focus, so keys can scroll it.
  view.scrollDOM.tabIndex = 0;
  return {
    view,
    get: () => view.state.doc.toString(),
    set(text) {
      view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: text } });
    },
    /** Puts the cursor at 1-based `line`, `column` (a syntax error's position). */
    goTo(line, column) {
      const doc = view.state.doc;
      if (line < 1 || line > doc.lines) return;
      const l = doc.line(line);
      view.dispatch({ selection: { anchor: Math.min(l.from + Math.max(column - 1, 0), l.to) }, scrollIntoView: true });
      view.focus();
    },
  };
}
