import { startServer } from './static-server.mjs';
const b = await startServer({ root: 'dist', isolated: false, port: 8152 });
console.log(b.url);
setTimeout(() => b.server.close(), 25000).unref?.();
await new Promise((r) => setTimeout(r, 25000));
process.exit(0);
