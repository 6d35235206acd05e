// A cell's stable id, `page/cell-slug` (e.g. "getting-started/worker-count-sweep"), used by
// embeds (data-amorsize="...") and share links. The slug comes from the cell's title: its
// leading step number and everything after the first colon are dropped, the rest is lower-cased
// with runs of other characters turned into one hyphen.
//   "5. Worker-count sweep: more workers ≠ faster" -> "worker-count-sweep"

export function cellSlug(title) {
  return String(title)
    .replace(/^\s*\d+[.)]\s*/, '')
    .split(':')[0]
    .normalize('NFKD')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}

/** The page part of an id: the route path, with "" (the first page) named getting-started. */
export function pageSlug(route) {
  return route || 'getting-started';
}

export function cellId(route, title) {
  return `${pageSlug(route)}/${cellSlug(title)}`;
}
