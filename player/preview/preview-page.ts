// The editors' preview page: every screen of the site side by side at true proportions, each
// a live renderer cycling through all its notices (or showing what plays right now), with the
// compiler's errors and warnings beside the screen they concern. Plain HTML and a small
// script: the page is served by the preview server and needs no build step.

export const PREVIEW_HTML = `<!doctype html>
<html lang="vi">
<head>
<meta charset="utf-8">
<title>Xem trước bảng tin</title>
<link rel="icon" href="data:,">
<style>
  :root { font-family: system-ui, sans-serif; color: #1d2733; background: #eef1f4; }
  body { margin: 0; padding: 16px 24px 40px; }
  header { display: flex; align-items: baseline; gap: 16px; flex-wrap: wrap; }
  h1 { font-size: 20px; margin: 0 0 8px; }
  .mode button { font: inherit; padding: 4px 10px; border: 1px solid #9aa5b1; background: #fff; cursor: pointer; }
  .mode button[aria-pressed="true"] { background: #0f3557; color: #fff; border-color: #0f3557; }
  #status { color: #4a5562; font-size: 14px; }
  #failure { background: #fde8e8; border: 1px solid #d21f1f; padding: 8px 12px; margin: 8px 0; display: none; }
  #global { margin: 8px 0; }
  .screens { display: flex; flex-wrap: wrap; gap: 20px; align-items: flex-start; }
  .card { background: #fff; border-radius: 8px; padding: 12px; box-shadow: 0 1px 3px #0002; }
  .card h2 { font-size: 15px; margin: 0 0 8px; }
  .frame { position: relative; overflow: hidden; background: #000; }
  .frame iframe { border: 0; transform-origin: 0 0; position: absolute; left: 0; top: 0; }
  ul.problems { margin: 8px 0 0; padding-left: 18px; font-size: 13px; max-width: 640px; }
  li.error { color: #b3261e; }
  li.warning { color: #8a5300; }
  li.skipped { color: #4a5562; }
  code { font-size: 12px; }
</style>
</head>
<body>
<header>
  <h1>Xem trước bảng tin</h1>
  <div class="mode" role="group" aria-label="Chế độ xem">
    <button data-mode="all" aria-pressed="true">Tất cả tin</button>
    <button data-mode="now" aria-pressed="false">Đang phát lúc này</button>
  </div>
  <span id="status">Đang biên dịch…</span>
</header>
<div id="failure"></div>
<ul id="global" class="problems"></ul>
<div class="screens" id="screens"></div>
<script type="module">
  let mode = 'all';
  let state = null;
  const frames = new Map();

  const escape = (text) => String(text).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);
  const problemItem = (p) => '<li class="' + p.severity + '"><code>' + escape(p.code) + '</code> ' + escape(p.file) + (p.field ? ' (' + escape(p.field) + ')' : '') + ': ' + escape(p.message) + '</li>';

  function bundleUrl(screenId) {
    return '/gen/' + state.generation + '/' + mode + '/screens/' + screenId + '/';
  }

  function layout() {
    const container = document.getElementById('screens');
    const ids = state.screens.map((s) => s.id).join(',');
    if (container.dataset.ids !== ids) {
      container.innerHTML = '';
      frames.clear();
      container.dataset.ids = ids;
      const widest = Math.max(...state.screens.map((s) => s.width));
      for (const screen of state.screens) {
        // One scale for every screen, so they appear at their true relative sizes; the widest
        // gets about 900 CSS pixels.
        const scale = Math.min(1, 900 / widest);
        const card = document.createElement('section');
        card.className = 'card';
        card.dataset.screen = screen.id;
        card.innerHTML = '<h2>' + escape(screen.id) + ' · ' + escape(screen.layout) + ' · ' + screen.width + '×' + screen.height + (screen.kind === 'led' ? ' · LED P' + screen.pitchMm : ' · LCD') + '</h2>' +
          '<div class="frame" style="width:' + Math.max(2, Math.round(screen.width * scale)) + 'px;height:' + Math.max(2, Math.round(screen.height * scale)) + 'px"></div><ul class="problems"></ul>';
        const iframe = document.createElement('iframe');
        iframe.width = screen.width;
        iframe.height = screen.height;
        iframe.style.transform = 'scale(' + scale + ')';
        iframe.title = screen.id;
        card.querySelector('.frame').appendChild(iframe);
        container.appendChild(card);
        frames.set(screen.id, iframe);
      }
    }
  }

  async function refreshFrames() {
    for (const [screenId, iframe] of frames) {
      const url = bundleUrl(screenId);
      const handle = iframe.contentWindow && iframe.contentWindow.signageRenderer;
      if (handle && iframe.dataset.loaded) {
        // Hot swap: the page keeps its fonts and WebGL context, so the change shows at once.
        const [manifest, schedule] = await Promise.all([fetch(url + 'manifest.json').then((r) => r.json()), fetch(url + 'schedule.json').then((r) => r.json())]);
        await handle.load({ manifest, schedule, blobsUrl: '/gen/' + state.generation + '/' + mode + '/blobs/' });
      } else {
        iframe.dataset.loaded = '1';
        // A few frames a second is enough to judge a layout, and leaves the CPU to the editor.
        iframe.src = '/renderer/index.html?fps=4&bundle=' + encodeURIComponent(url);
      }
      iframe.dataset.generation = String(state.generation);
    }
    document.body.dataset.generation = String(state.generation);
  }

  function showProblems() {
    const failure = document.getElementById('failure');
    if (state.failure) {
      failure.style.display = 'block';
      failure.innerHTML = '<strong>Biên dịch lỗi: màn hình vẫn hiển thị bản tốt gần nhất.</strong><ul class="problems">' + state.failure.filter((p) => !p.screen).map(problemItem).join('') + '</ul>';
    } else {
      failure.style.display = 'none';
    }
    const all = [...(state.failure || []), ...(state.warnings || [])];
    document.getElementById('global').innerHTML =
      (state.skipped || []).map((s) => '<li class="skipped">Bỏ qua <code>' + escape(s.id) + '</code> (' + escape(s.file) + '): ' + escape(s.reason) + '</li>').join('') +
      (state.warnings || []).filter((p) => !p.screen).map(problemItem).join('');
    for (const card of document.querySelectorAll('.card')) {
      card.querySelector('.problems').innerHTML = all.filter((p) => p.screen === card.dataset.screen).map(problemItem).join('');
    }
  }

  async function update() {
    state = await fetch('/api/state').then((r) => r.json());
    const status = document.getElementById('status');
    status.textContent = state.generation ? 'Bản biên dịch ' + state.generation + ' (' + state.compiledInMs + ' ms)' + (state.failure ? ' · lần biên dịch mới nhất bị lỗi' : '') : 'Chưa biên dịch được';
    if (state.generation) {
      layout();
      await refreshFrames();
    }
    showProblems();
  }

  for (const button of document.querySelectorAll('.mode button')) {
    button.addEventListener('click', () => {
      mode = button.dataset.mode;
      for (const b of document.querySelectorAll('.mode button')) b.setAttribute('aria-pressed', String(b === button));
      void refreshFrames();
    });
  }
  new EventSource('/events').addEventListener('state', () => void update());
  void update();
</script>
</body>
</html>
`;
