// Live Amorsize cells in any page. One script tag, then one element per cell:
//   <script src="https://HOST/PATH/www/embed.js" defer></script>
//   <div data-amorsize="getting-started/worker-count-sweep" data-n="20000"></div>
// Each element becomes an iframe of that one cell (`?embed=1#/page/cell?name=value`): every other
// data-* attribute sets the cell's parameter of that name (data-n="5000", data-workload="parametric",
// data-cost_us="50"); a cell's "Embed" button writes the snippet with what was changed there.
// The frame asks for cross-origin isolation (allow="cross-origin-isolated": threads when this
// page is isolated too) and reports its height, which is applied only from that frame's own
// origin and window.
(() => {
  const script = document.currentScript;
  if (!script) {
    console.error('amorsize embed.js: load it as a classic script (<script src=... defer>), not as a module');
    return;
  }
  const app = new URL('../', script.src);
  const frames = new Map(); // contentWindow -> iframe

  function frameUrl(node) {
    const id = node.getAttribute('data-amorsize').trim().replace(/^\/+|\/+$/g, '');
    const params = new URLSearchParams();
    for (const { name, value } of node.attributes) {
      if (name.startsWith('data-') && name !== 'data-amorsize') params.set(name.slice(5), value);
    }
    const url = new URL('./', app);
    url.search = '?embed=1';
    url.hash = `#/${id.split('/').map(encodeURIComponent).join('/')}${params.size ? `?${params}` : ''}`;
    return url;
  }

  function mount(node) {
    if (node.amorsizeFrame) return;
    const iframe = document.createElement('iframe');
    node.amorsizeFrame = iframe;
    iframe.src = frameUrl(node).href;
    iframe.allow = 'cross-origin-isolated';
    iframe.title = `Amorsize Playground: ${node.getAttribute('data-amorsize')}`;
    iframe.className = 'amorsize-embed';
    iframe.style.cssText = 'display:block;box-sizing:border-box;width:100%;height:320px;border:1px solid #dde1e7;border-radius:10px;background:transparent';
    node.replaceChildren(iframe);
    frames.set(iframe.contentWindow, iframe);
  }

  addEventListener('message', (event) => {
    if (event.origin !== app.origin) return;
    const iframe = frames.get(event.source);
    if (!iframe || event.data?.type !== 'amorsize:height') return;
    const height = Number(event.data.height);
    if (Number.isFinite(height) && height > 0 && height < 100_000) iframe.style.height = `${Math.ceil(height) + 2}px`;
  });

  const mountAll = () => document.querySelectorAll('[data-amorsize]').forEach(mount);
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', mountAll);
  else mountAll();
})();
