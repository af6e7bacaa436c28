/**
 * The service worker of the ticket wallet and the check-in page: network first, and the last good answer from the
 * cache when the network is gone, so both pages open offline once they were loaded. API calls are never cached.
 */
const cacheName = 'seatactor-offline-v1';
const offlinePages = ['/wallet', '/checkin', '/wallet.js', '/checkin.js', '/style.css'];
type ExtendableEvent = { waitUntil(promise: Promise<unknown>): void };
type FetchEvent = { request: Request; respondWith(response: Promise<Response>): void };
/** The few parts of ServiceWorkerGlobalScope used here (the DOM lib this folder compiles with does not have it). */
const worker = self as unknown as {
  addEventListener(type: 'install' | 'activate', listener: (event: ExtendableEvent) => void): void;
  addEventListener(type: 'fetch', listener: (event: FetchEvent) => void): void;
  skipWaiting(): Promise<void>;
  clients: { claim(): Promise<void> };
};

worker.addEventListener('install', (event) => {
  event.waitUntil(
    caches
      .open(cacheName)
      .then((cache) => cache.addAll(offlinePages))
      .then(() => worker.skipWaiting()),
  );
});

worker.addEventListener('activate', (event) => event.waitUntil(worker.clients.claim()));

worker.addEventListener('fetch', (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== 'GET' || url.origin !== location.origin || !offlinePages.includes(url.pathname)) return;
  event.respondWith(
    fetch(event.request)
      .then(async (response) => {
        if (response.ok) await (await caches.open(cacheName)).put(event.request, response.clone());
        return response;
      })
      .catch(async () => (await caches.match(event.request)) ?? Response.error()),
  );
});
