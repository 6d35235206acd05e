// The engine's API at the site's root, for docs pages: `import { startEngine } from './engine.js'`.
// trunk copies this file to dist/engine.js (index.html); the module itself is www/engine.js, next
// to the engine Worker it starts.
export * from './www/engine.js';
