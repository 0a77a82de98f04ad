// MNIST Lab's service worker: after the first visit the app opens, reads drawings and trains
// without a network.
//
// - The app shell (the page, its CSS, the page's wasm module and its JavaScript, the pretrained
//   weights, the manifest and icons) is precached into a cache named by the build and served
//   cache-first. The GPU module (marked 'on-use') joins that cache when a run on WebGPU first
//   fetches it: a visitor who trains on the CPU never downloads it. Nothing else is cached by
//   this worker.
// - MNIST is kept by the training worker itself, in the cache DATA_CACHE (see
//   src/web/worker/dataset.rs); `mnist/*` is served from there, or from the network.
// - Versions never mix: a page keeps the build it loaded, and a new build waits (no
//   skipWaiting) until every tab of the old one is closed; it takes over on the next load, and
//   then deletes the older build's shell cache, keeping the data. Nor does a build claim pages
//   that loaded without it (no clients.claim()): such a page goes on fetching from the host as
//   it did, where a claimed one could restart its training worker from another build.
//
// `cargo xtask dist` (xtask/src/service_worker.rs) fills in the three constants below
// for each build. As trunk copies this file (`trunk serve`, a plain `trunk build`) BUILD is null:
// the worker then caches and serves nothing, and clears the shell caches an earlier build left.

/** The build: a hash over the names and bytes of every file in SHELL. */
const BUILD = null;
/** The app shell: each file relative to this script, with its Subresource Integrity hash, so a
 * host or cache that answers with another build's bytes fails the install instead of mixing
 * builds ('./' is index.html), and 'on-use' for a file cached when first fetched. */
const SHELL = [];
/** The training worker's MNIST cache: `DATA_CACHE` in src/web/worker/dataset.rs, copied here. */
const DATA_CACHE = null;

// One app may be deployed at several paths of one origin: each keeps its own shell caches.
const SHELL_PREFIX = `mnist-lab-shell ${self.registration.scope} `;
const SHELL_CACHE = SHELL_PREFIX + BUILD;

const url = (path) => new URL(path, self.location).href;
const SHELL_FILES = new Map(SHELL.map(([path, integrity, when]) => [url(path), { path, integrity, when }]));
const ROOT = url('./');
const MNIST = url('mnist/');

/** `path` from the network, checked against `integrity`; first as the HTTP cache allows (the
 * page may just have downloaded it), then, if that is another build's copy, from the host. */
async function download(path, integrity) {
  const get = async (cache) => {
    const response = await fetch(new Request(url(path), { integrity, cache }));
    if (!response.ok) throw new Error(`${path}: HTTP ${response.status}`);
    // A navigation may not be answered with a redirected response (a host may redirect './').
    return response.redirected
      ? new Response(await response.blob(), { status: response.status, headers: response.headers })
      : response;
  };
  return get('default').catch(() => get('reload'));
}

self.addEventListener('install', (event) => {
  if (BUILD === null) return;
  event.waitUntil((async () => {
    const cache = await caches.open(SHELL_CACHE);
    // A failed install (offline, a host mid-deploy) is retried on a later visit, keeping what
    // it already has.
    await Promise.all(SHELL.map(async ([path, integrity, when]) => {
      if (when === 'on-use' || await cache.match(url(path))) return;
      await cache.put(url(path), await download(path, integrity));
    }));
  })());
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      if (name.startsWith(SHELL_PREFIX) && name !== SHELL_CACHE) await caches.delete(name);
    }
  })());
});

/** The response cached under `key` in the cache `name`, or the network's (also when the Cache
 * API fails: a full or broken storage must not take the app's files down with it). Looked up
 * without `caches.open`, which would create the cache again: a fetch the previous build's
 * worker is still answering must not bring back the shell cache the new build just deleted. */
async function cacheFirst(name, key, request) {
  const cached = await caches.match(key, { cacheName: name }).catch(() => undefined);
  return cached ?? fetch(request);
}

/** A file of the shell cached on first use: from the cache, or downloaded (checked against its
 * hash), kept and answered. */
async function cacheOnUse({ path, integrity }) {
  const cached = await caches.match(url(path), { cacheName: SHELL_CACHE }).catch(() => undefined);
  if (cached) return cached;
  const response = await download(path, integrity);
  // Kept only while this build's cache exists (a newer build may have deleted it).
  if (await caches.has(SHELL_CACHE).catch(() => false)) {
    await caches.open(SHELL_CACHE).then((cache) => cache.put(url(path), response.clone())).catch(() => {});
  }
  return response;
}

self.addEventListener('fetch', (event) => {
  const { request } = event;
  if (BUILD === null || request.method !== 'GET') return;
  const address = new URL(request.url);
  address.hash = '';
  const page = request.mode === 'navigate'
    && (address.pathname === new URL(ROOT).pathname || address.pathname === new URL(url('index.html')).pathname);
  if (page) {
    // The app's own page at any query (its settings live there).
    event.respondWith(cacheFirst(SHELL_CACHE, ROOT, request));
  } else if (address.search === '' && SHELL_FILES.get(address.href)?.when === 'on-use') {
    event.respondWith(cacheOnUse(SHELL_FILES.get(address.href)));
  } else if (address.search === '' && SHELL_FILES.has(address.href)) {
    event.respondWith(cacheFirst(SHELL_CACHE, address.href, request));
  } else if (address.search === '' && address.href.startsWith(MNIST)) {
    event.respondWith(cacheFirst(DATA_CACHE, address.href, request));
  }
});
