// trunk's one post_build hook. trunk starts the hooks of a stage in parallel, and both steps
// rewrite index.html, so they run here one after the other; then the site's scripts are minified.
await import('./strip-trunk-loader.mjs');
await import('./rayon-init-object.mjs');
await import('./minify-www.mjs');
