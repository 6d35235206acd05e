// A cell's id, from its title: the one function the playground (heading anchors, share links,
// DOM ids) and embed.js use, so that `#/page/cell-id` and `data-amorsize="page/cell-id"` agree.
//
//   "5. Worker-count sweep: more workers ≠ faster" -> "worker-count-sweep"
//
// The step number and anything after the first colon are dropped, so that renumbering a step or
// rewording its subtitle keeps its links.

/** The longest cell id; route.js accepts ids of this form only. */
export const CELL_ID_MAX = 48;

export function cellId(title) {
  const head = String(title).replace(/^\s*\d+[.)]\s*/, '').split(':')[0];
  const slug = head
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, CELL_ID_MAX)
    .replace(/-+$/, '');
  return slug || 'cell';
}

/** Whether `id` has the form cellId() produces (lower-case words joined by single hyphens). */
export function isCellId(id) {
  return typeof id === 'string' && id.length <= CELL_ID_MAX && /^[a-z0-9]+(-[a-z0-9]+)*$/.test(id);
}

/** The page part of an embed id: the route, with "" (the first page) named getting-started. */
export function pageSlug(route) {
  return route || 'getting-started';
}
