// Why the engine trapped, read from the note the engine writes into its own memory before a
// panic or a failed allocation aborts it (src/trap.rs). Layout at `address`: little-endian u32
// state (0 nothing, 1 panic, 2 allocation failure), u32 item (0xFFFFFFFF: unknown), u32 length,
// u32 reserved, then `length` bytes of UTF-8 text. The state is written last.
const CAUSES = { 1: 'panic', 2: 'out of memory' };

/** The note as {cause, item, text}, or null while the engine has not trapped. */
export function readTrapNote(memory, address) {
  if (!memory || address === null || address === undefined) return null;
  const words = new Uint32Array(memory.buffer, address, 3);
  const state = Atomics.load(words, 0);
  if (state === 0) return null;
  const length = Math.min(words[2], 500);
  // TextDecoder refuses views of a SharedArrayBuffer: copy the bytes out first.
  const bytes = new Uint8Array(memory.buffer, address + 16, length).slice();
  return {
    cause: CAUSES[state] ?? 'trap',
    item: words[1] === 0xffffffff ? null : words[1],
    text: new TextDecoder().decode(bytes),
  };
}

/** A `crashed` error that says why, with the failing item when known. */
export function crashError(note, fallback) {
  if (!note) return { kind: 'crashed', message: fallback };
  return { kind: 'crashed', cause: note.cause, item: note.item, message: `${note.text}.` };
}
